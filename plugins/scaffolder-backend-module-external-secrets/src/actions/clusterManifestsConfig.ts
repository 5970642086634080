import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { validateName } from '@gitops-secrets/plugin-external-secrets-common';
import {
  ClusterConfig,
  VAULT_CONFIG_KEY,
  readClusterConfigs,
  readEsoServiceAccount,
} from '@gitops-secrets/plugin-external-secrets-node';

type JsonObject = Record<string, unknown>;

const KEY = 'externalSecrets.clusterManifests';

/** Placeholder for the cluster name in `clusterManifests.targetPath`. */
export const CLUSTER_PATH_PLACEHOLDER = '{cluster}';

/** Default directory of a cluster's GitOps files, before `{cluster}` substitution. */
export const DEFAULT_CLUSTER_TARGET_PATH = 'clusters/{cluster}/platform';

/** ESO's Helm chart repository, as its installation guide names it. */
export const DEFAULT_ESO_CHART_REPOSITORY =
  'https://charts.external-secrets.io';

/**
 * Settings of `external-secrets:cluster-manifests:create`, read once at start-up from
 * `externalSecrets.clusterManifests`, `externalSecrets.manifests.store` (where stores find
 * Vault's CA and which account presents tokens), `externalSecrets.vault` (the CA) and
 * `externalSecrets.clusters`.
 *
 * @public
 */
export interface ClusterManifestsSettings {
  targetPath: string;
  argocd: {
    namespace: string;
    project: string;
    /** `destination.server` of the ESO Application, `{url}` replaced by the cluster's URL. */
    destinationServer?: string;
    /** `destination.name`, `{cluster}` replaced; used when no `destinationServer` is set. */
    destinationName?: string;
  };
  eso: {
    chartRepository: string;
    chart: string;
    chartVersion: string;
    namespace: string;
    /** ESO's own service account (client-JWT mode binds it to `system:auth-delegator`). */
    serviceAccount: string;
    /** Helm values of the chart, as configured. */
    values: Record<string, unknown>;
  };
  reviewer: { namespace: string; serviceAccount: string };
  /** The `vault-ca` ConfigMap; undefined when stores do not read Vault's CA from a ConfigMap. */
  vaultCa?: { name: string; key: string; namespace: string; pem: string };
  clusters: ClusterConfig[];
}

function invalid(key: string, problem: string): never {
  throw new InputError(`Invalid ${key}: ${problem}`);
}

function readVaultCaPem(config: Config): string | undefined {
  const vault = config.getOptionalConfig(VAULT_CONFIG_KEY);
  const parts: string[] = [];
  const caData = vault?.getOptionalString('caData');
  if (caData) parts.push(caData);
  const caFile = vault?.getOptionalString('caFile');
  if (caFile) {
    try {
      parts.push(readFileSync(caFile, 'utf8'));
    } catch (error) {
      invalid(
        `${VAULT_CONFIG_KEY}.caFile`,
        `cannot read ${caFile}: ${
          (error as NodeJS.ErrnoException).code ?? 'error'
        }`,
      );
    }
  }
  const pem = parts
    .map(p => p.trim())
    .filter(Boolean)
    .join('\n');
  if (!pem) return undefined;
  try {
    // eslint-disable-next-line no-new
    new X509Certificate(pem);
  } catch {
    invalid(`${VAULT_CONFIG_KEY}.caData/caFile`, 'is not a PEM certificate');
  }
  return `${pem}\n`;
}

function readVaultCa(
  config: Config,
): ClusterManifestsSettings['vaultCa'] | undefined {
  const store = config.getOptionalConfig('externalSecrets.manifests.store');
  if (store?.getOptionalString('caBundle')) {
    // stores carry the CA inline: no ConfigMap to create
    return undefined;
  }
  const provider = store?.getOptionalConfig('caProvider');
  const type = provider?.getOptionalString('type') ?? 'ConfigMap';
  if (type !== 'ConfigMap') {
    // a Secret holding a CA is created by whoever manages that Secret, not by this action
    return undefined;
  }
  const name = validateName(
    'kubernetesObjectName',
    provider?.getOptionalString('name') ?? 'vault-ca',
    'externalSecrets.manifests.store.caProvider.name',
  );
  const key = provider?.getOptionalString('key') ?? 'ca.crt';
  if (!/^[-._a-zA-Z0-9]{1,253}$/.test(key) || key === '.' || key === '..') {
    invalid(
      'externalSecrets.manifests.store.caProvider.key',
      `"${key}" is not a ConfigMap key`,
    );
  }
  const namespace = validateName(
    'kubernetesNamespace',
    provider?.getOptionalString('namespace') ?? 'external-secrets',
    'externalSecrets.manifests.store.caProvider.namespace',
  );
  const pem = readVaultCaPem(config);
  if (!pem) {
    invalid(
      `${VAULT_CONFIG_KEY}.caData/caFile`,
      `stores read Vault's CA from ConfigMap ${namespace}/${name}, so external-secrets:cluster-manifests:create needs the CA that signed Vault's certificate`,
    );
  }
  return { name, key, namespace, pem };
}

function plainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The token reviewer account of reviewer-JWT mode, from `clusterManifests.reviewer`: the
 * cluster manifests render it, and `vault:kubernetes-auth:configure` names its token Secret
 * when it waits for the JWT.
 */
export function readReviewerAccount(config: Config): {
  namespace: string;
  serviceAccount: string;
} {
  const reviewer = config.getOptionalConfig(`${KEY}.reviewer`);
  return {
    namespace: validateName(
      'kubernetesNamespace',
      reviewer?.getOptionalString('namespace') ?? 'vault-auth',
      `${KEY}.reviewer.namespace`,
    ),
    serviceAccount: validateName(
      'kubernetesObjectName',
      reviewer?.getOptionalString('serviceAccount') ?? 'vault-auth',
      `${KEY}.reviewer.serviceAccount`,
    ),
  };
}

/**
 * Reads and validates the settings at start-up (a bad config fails the backend, not a task);
 * undefined when `externalSecrets.clusterManifests` is absent, so a backend that onboards no
 * cluster needs none of it.
 *
 * @public
 */
export function readClusterManifestsSettings(
  config: Config,
): ClusterManifestsSettings | undefined {
  if (!config.has(KEY)) return undefined;
  const section = config.getOptionalConfig(KEY);
  const targetPath =
    section?.getOptionalString('targetPath') ?? DEFAULT_CLUSTER_TARGET_PATH;
  if (!targetPath.includes(CLUSTER_PATH_PLACEHOLDER)) {
    invalid(
      `${KEY}.targetPath`,
      `"${targetPath}" does not contain ${CLUSTER_PATH_PLACEHOLDER}: every cluster would share one directory`,
    );
  }
  const argocd = section?.getOptionalConfig('argocd');
  const eso = section?.getOptionalConfig('eso');
  const chartVersion = eso?.getOptionalString('chartVersion') ?? '';
  if (!/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(chartVersion)) {
    invalid(
      `${KEY}.eso.chartVersion`,
      chartVersion
        ? `"${chartVersion}" is not an exact chart version such as 2.9.0 (a range would let Argo CD upgrade ESO unreviewed)`
        : 'missing: pin the External Secrets Operator chart version, e.g. 2.9.0',
    );
  }
  const esoAccount = readEsoServiceAccount(config);
  const values = eso?.getOptional('values') ?? {};
  if (!plainObject(values)) {
    invalid(`${KEY}.eso.values`, 'must be an object of Helm values');
  }
  const chartRepository =
    eso?.getOptionalString('chartRepository') ?? DEFAULT_ESO_CHART_REPOSITORY;
  let repositoryUrl: URL | undefined;
  try {
    repositoryUrl = new URL(chartRepository);
  } catch {
    repositoryUrl = undefined;
  }
  if (
    !repositoryUrl ||
    !['https:', 'oci:'].includes(repositoryUrl.protocol) ||
    repositoryUrl.username ||
    repositoryUrl.password
  ) {
    invalid(
      `${KEY}.eso.chartRepository`,
      `"${chartRepository}" must be an https:// (or oci://) chart repository without credentials`,
    );
  }
  const destinationServer = argocd?.getOptionalString('destinationServer');
  const destinationName = argocd?.getOptionalString('destinationName');
  if (destinationServer && destinationName) {
    invalid(
      `${KEY}.argocd`,
      'set destinationServer or destinationName, not both (Argo CD refuses an Application with both)',
    );
  }
  return {
    targetPath,
    argocd: {
      namespace: validateName(
        'kubernetesNamespace',
        argocd?.getOptionalString('namespace') ?? 'argocd',
        `${KEY}.argocd.namespace`,
      ),
      project: validateName(
        'kubernetesObjectName',
        argocd?.getOptionalString('project') ?? 'default',
        `${KEY}.argocd.project`,
      ),
      ...(destinationServer || destinationName
        ? { destinationServer, destinationName }
        : { destinationServer: 'https://kubernetes.default.svc' }),
    },
    eso: {
      chartRepository,
      chart: validateName(
        'kubernetesObjectName',
        eso?.getOptionalString('chart') ?? 'external-secrets',
        `${KEY}.eso.chart`,
      ),
      chartVersion,
      namespace: esoAccount.namespace,
      serviceAccount: esoAccount.name,
      values,
    },
    reviewer: readReviewerAccount(config),
    vaultCa: readVaultCa(config),
    clusters: readClusterConfigs(config),
  };
}
