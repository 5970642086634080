import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterConfig } from './clusterConfig';

/**
 * Builds a client configuration for one configured cluster: a bearer token against the
 * configured URL (`serviceAccount`), or a context of a local kubeconfig (`kubeconfig`).
 *
 * @public
 */
export function createKubeConfig(cluster: ClusterConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (cluster.authProvider === 'kubeconfig') {
    if (cluster.kubeconfigPath) {
      kubeConfig.loadFromFile(cluster.kubeconfigPath);
    } else {
      kubeConfig.loadFromDefault();
    }
    if (cluster.context) {
      kubeConfig.setCurrentContext(cluster.context);
    }
    const current = kubeConfig.getCurrentCluster();
    if (!current) {
      throw new Error(
        `Cluster ${
          cluster.name
        }: the kubeconfig has no cluster for context "${kubeConfig.getCurrentContext()}"`,
      );
    }
    if (
      cluster.url ||
      cluster.caData ||
      cluster.caFile ||
      cluster.skipTLSVerify
    ) {
      kubeConfig.clusters = kubeConfig.clusters.map(c =>
        c.name === current.name
          ? {
              ...c,
              server: cluster.url ?? c.server,
              caData: cluster.caData ?? c.caData,
              caFile: cluster.caFile ?? c.caFile,
              skipTLSVerify: cluster.skipTLSVerify || c.skipTLSVerify,
            }
          : c,
      );
    }
    return kubeConfig;
  }
  kubeConfig.loadFromClusterAndUser(
    {
      name: cluster.name,
      server: cluster.url!,
      caData: cluster.caData,
      caFile: cluster.caFile,
      skipTLSVerify: cluster.skipTLSVerify,
    },
    {
      name: `${cluster.name}-service-account`,
      token: cluster.serviceAccountToken,
    },
  );
  return kubeConfig;
}

/**
 * The `Accept` header that makes the API server answer a LIST of Secrets with
 * `PartialObjectMetadataList`: names, labels and annotations, never `data`.
 *
 * @public
 */
export const PARTIAL_METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/**
 * The `Accept` header for a WATCH of the same: each event carries a `PartialObjectMetadata`.
 *
 * @public
 */
export const PARTIAL_METADATA_ACCEPT =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/**
 * A client configuration that asks for metadata only on every request it signs. The watch
 * helper of `@kubernetes/client-node` takes its headers from the configuration, so this is how a
 * watch of Secrets is kept from ever receiving Secret data.
 */
export class MetadataOnlyKubeConfig extends KubeConfig {
  constructor(source: KubeConfig) {
    super();
    this.loadFromOptions({
      clusters: source.clusters,
      users: source.users,
      contexts: source.contexts,
      currentContext: source.currentContext,
    });
  }

  override async applyToFetchOptions(
    ...args: Parameters<KubeConfig['applyToFetchOptions']>
  ): ReturnType<KubeConfig['applyToFetchOptions']> {
    const init = await super.applyToFetchOptions(...args);
    // The parent always builds a WHATWG Headers object, whatever type the signature names.
    (init.headers as unknown as Headers).set('Accept', PARTIAL_METADATA_ACCEPT);
    return init;
  }
}
