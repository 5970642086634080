import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN,
  kubernetesAuthMountFor,
  kubernetesAuthMountPatternProblem,
  nameProblem,
} from '@gitops-secrets/plugin-external-secrets-common';

/**
 * How the backend authenticates to a cluster, named as in Backstage's Kubernetes plugin.
 *
 * - `serviceAccount`: a bearer token (`serviceAccountToken`) against `url`.
 * - `kubeconfig`: a context of a local kubeconfig file (development machines).
 *
 * @public
 */
export type ClusterAuthProvider = 'serviceAccount' | 'kubeconfig';

/**
 * One cluster the status backend reads ExternalSecrets from, as configured under
 * `externalSecrets.clusters[]`.
 *
 * @public
 */
export interface ClusterConfig {
  name: string;
  /** API server URL; for `kubeconfig` clusters it overrides the context's server when set */
  url?: string;
  authProvider: ClusterAuthProvider;
  serviceAccountToken?: string;
  /** base64 PEM of the cluster CA, as in a kubeconfig's `certificate-authority-data` */
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  /** a plain `http://` url was explicitly allowed (the bearer token then travels unencrypted) */
  allowInsecureHttp?: boolean;
  /** path of the kubeconfig file; the default loading rules apply when absent */
  kubeconfigPath?: string;
  /** kubeconfig context; the file's current context when absent */
  context?: string;
  /**
   * The cluster's Kubernetes auth mount in Vault: `vaultAuthMount` when configured, otherwise
   * `externalSecrets.vault.kubernetesAuth.mountPath` with the cluster's name put in
   * (`kubernetes-<cluster>` by default). Always set by `readClusterConfigs`; when absent (a
   * cluster built in code), `kubernetesAuthMountFor` of the common package derives it.
   */
  vaultAuthMount?: string;
}

/** Config key of the per-cluster mount pattern (`{cluster}` is replaced by the name). */
export const KUBERNETES_AUTH_MOUNT_PATTERN_KEY =
  'externalSecrets.vault.kubernetesAuth.mountPath';

const AUTH_PROVIDERS: readonly ClusterAuthProvider[] = [
  'serviceAccount',
  'kubeconfig',
];

const CLUSTER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function readUrl(cluster: Config, where: string): string | undefined {
  const url = cluster.getOptionalString('url');
  if (url === undefined) {
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`${where}.url "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError(
      `${where}.url must be an http(s) URL of the Kubernetes API server, got "${parsed.protocol}"`,
    );
  }
  return url.replace(/\/+$/, '');
}

function readCluster(
  cluster: Config,
  index: number,
  mountPattern: string,
): ClusterConfig & { vaultAuthMount: string } {
  const where = `externalSecrets.clusters[${index}]`;
  const name = cluster.getString('name');
  if (!CLUSTER_NAME.test(name)) {
    throw new InputError(
      `${where}.name "${name}" must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit`,
    );
  }
  const authProvider = (cluster.getOptionalString('authProvider') ??
    'serviceAccount') as ClusterAuthProvider;
  if (!AUTH_PROVIDERS.includes(authProvider)) {
    throw new InputError(
      `${where}.authProvider "${authProvider}" is not supported; use one of ${AUTH_PROVIDERS.join(
        ', ',
      )}`,
    );
  }
  const url = readUrl(cluster, where);
  const serviceAccountToken = cluster.getOptionalString('serviceAccountToken');
  if (authProvider === 'serviceAccount') {
    if (!url) {
      throw new InputError(
        `${where} (${name}) uses authProvider serviceAccount and needs a url`,
      );
    }
    if (!serviceAccountToken) {
      throw new InputError(
        `${where} (${name}) uses authProvider serviceAccount and needs a serviceAccountToken`,
      );
    }
  }
  const allowInsecureHttp =
    cluster.getOptionalBoolean('allowInsecureHttp') ?? false;
  if (url?.startsWith('http:') && !allowInsecureHttp) {
    throw new InputError(
      `${where}.url of ${name} is plain http://, so the cluster credentials would travel unencrypted; use https://, or set ${where}.allowInsecureHttp: true for a local development cluster only`,
    );
  }
  const caData = cluster.getOptionalString('caData');
  const caFile = cluster.getOptionalString('caFile');
  if (caData && caFile) {
    throw new InputError(
      `${where} (${name}) sets both caData and caFile; keep one`,
    );
  }
  const vaultAuthMount = cluster.getOptionalString('vaultAuthMount');
  if (vaultAuthMount !== undefined) {
    const problem = nameProblem('vaultMount', vaultAuthMount);
    if (problem) {
      throw new InputError(`${where}.vaultAuthMount of ${name} ${problem}`);
    }
  }
  return {
    name,
    url,
    authProvider,
    serviceAccountToken,
    caData,
    caFile,
    skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
    ...(allowInsecureHttp ? { allowInsecureHttp } : {}),
    kubeconfigPath: cluster.getOptionalString('kubeconfigPath'),
    context: cluster.getOptionalString('context'),
    vaultAuthMount: kubernetesAuthMountFor(
      { name, vaultAuthMount },
      mountPattern,
    ),
  };
}

/**
 * Reads and validates `externalSecrets.clusters`. No clusters configured is valid and yields an
 * empty list; a malformed entry or a duplicate name throws an `InputError` naming the entry.
 *
 * @public
 */
export function readClusterConfigs(config: Config): ClusterConfig[] {
  const entries =
    config.getOptionalConfigArray('externalSecrets.clusters') ?? [];
  const mountPattern =
    config.getOptionalString(KUBERNETES_AUTH_MOUNT_PATTERN_KEY) ??
    DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN;
  const patternProblem = kubernetesAuthMountPatternProblem(mountPattern);
  if (patternProblem) {
    throw new InputError(
      `Invalid ${KUBERNETES_AUTH_MOUNT_PATTERN_KEY}: ${patternProblem}`,
    );
  }
  const clusters = entries.map((entry, index) =>
    readCluster(entry, index, mountPattern),
  );
  const seen = new Set<string>();
  const mounts = new Map<string, string>();
  for (const cluster of clusters) {
    if (seen.has(cluster.name)) {
      throw new InputError(
        `externalSecrets.clusters has two clusters named "${cluster.name}"; names must be unique`,
      );
    }
    seen.add(cluster.name);
    // one mount reviews tokens against one API server: two clusters cannot share it
    const other = mounts.get(cluster.vaultAuthMount);
    if (other) {
      throw new InputError(
        `externalSecrets.clusters "${other}" and "${cluster.name}" both use the Vault auth mount ${cluster.vaultAuthMount}; a mount reviews tokens against one cluster, so give each cluster its own vaultAuthMount`,
      );
    }
    mounts.set(cluster.vaultAuthMount, cluster.name);
  }
  return clusters;
}
