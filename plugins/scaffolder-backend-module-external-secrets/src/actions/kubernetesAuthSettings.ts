import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN,
  kubernetesAuthMountFor,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  ClusterConfig,
  VAULT_CONFIG_KEY,
  readClusterConfigs,
} from '@gitops-secrets/plugin-external-secrets-node';
import { readReviewerAccount } from './clusterManifestsConfig';
import { reviewerTokenSecretName } from './clusterManifestsRender';

const KEY = `${VAULT_CONFIG_KEY}.kubernetesAuth`;

/**
 * Settings of `vault:kubernetes-auth:configure`, from `externalSecrets.vault.kubernetesAuth`
 * and the clusters of `externalSecrets.clusters`.
 *
 * @public
 */
export interface KubernetesAuthSettings {
  /** Mount path per cluster, `{cluster}` replaced by its name. */
  mountPath: string;
  /** `issuer` written to each mount (the clusters' service-account token issuer). */
  issuer: string;
  /** Written as `disable_iss_validation`; false (validation on) unless config says otherwise. */
  disableIssuerValidation: boolean;
  /** Whether `overwrite: true` may repoint a mount configured for another API server. */
  allowRepoint: boolean;
  /**
   * The reviewer account's token Secret the cluster manifests render (reviewer-JWT mode), named
   * in the next step when the JWT is not pasted yet; `vault-auth/vault-auth-token` when absent.
   */
  reviewerTokenSecret?: { namespace: string; name: string };
  clusters: ClusterConfig[];
}

function invalid(key: string, problem: string): never {
  throw new InputError(`Invalid ${KEY}.${key}: ${problem}`);
}

/**
 * The mount path of a cluster: its `vaultAuthMount`, else the pattern with its name (the one
 * derivation the status backend and the manifests use too).
 */
export function mountPathFor(
  settings: KubernetesAuthSettings,
  cluster: ClusterConfig,
) {
  return (
    cluster.vaultAuthMount ??
    kubernetesAuthMountFor(cluster, settings.mountPath)
  );
}

/**
 * Reads and validates the settings at start-up.
 *
 * @public
 */
export function readKubernetesAuthSettings(
  config: Config,
): KubernetesAuthSettings {
  const auth = config.getOptionalConfig(KEY);
  // the pattern and every cluster's mount are validated by readClusterConfigs
  const mountPath =
    auth?.getOptionalString('mountPath') ??
    DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN;
  const issuer =
    auth?.getOptionalString('issuer') ??
    'https://kubernetes.default.svc.cluster.local';
  try {
    // eslint-disable-next-line no-new
    new URL(issuer);
  } catch {
    if (issuer !== 'kubernetes/serviceaccount') {
      invalid(
        'issuer',
        `"${issuer}" is neither a URL nor kubernetes/serviceaccount`,
      );
    }
  }
  const clusters = readClusterConfigs(config);
  const reviewer = readReviewerAccount(config);
  return {
    mountPath,
    issuer,
    disableIssuerValidation:
      auth?.getOptionalBoolean('disableIssuerValidation') ?? false,
    allowRepoint: auth?.getOptionalBoolean('allowRepoint') ?? false,
    reviewerTokenSecret: {
      namespace: reviewer.namespace,
      name: reviewerTokenSecretName({ reviewer }),
    },
    clusters,
  };
}

/**
 * The PEM CA of a configured cluster, from `caData` (base64 PEM) and/or `caFile`, checked to
 * parse; an `InputError` when there is none (Vault would then trust its system roots for the
 * API server) or it is not a certificate.
 */
export function clusterCaPem(cluster: ClusterConfig): string {
  const parts: string[] = [];
  if (cluster.caData) {
    parts.push(Buffer.from(cluster.caData, 'base64').toString('utf8'));
  }
  if (cluster.caFile) {
    try {
      parts.push(readFileSync(cluster.caFile, 'utf8'));
    } catch (error) {
      throw new InputError(
        `Cluster "${cluster.name}": cannot read caFile ${cluster.caFile}: ${
          (error as NodeJS.ErrnoException).code ?? (error as Error).message
        }`,
      );
    }
  }
  const pem = parts
    .map(p => p.trim())
    .filter(Boolean)
    .join('\n');
  if (!pem) {
    throw new InputError(
      `Cluster "${cluster.name}" has no caData or caFile in externalSecrets.clusters: Vault needs the cluster CA to verify the API server it sends TokenReviews to`,
    );
  }
  try {
    // eslint-disable-next-line no-new
    new X509Certificate(pem);
  } catch {
    throw new InputError(
      `Cluster "${cluster.name}": its CA (caData/caFile) is not a PEM certificate`,
    );
  }
  return `${pem}\n`;
}
