import { InputError } from '@backstage/errors';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterConfig } from './clusterConfig';

/** Bearer tokens and kubeconfig credentials never travel over plain HTTP unless allowed. */
function checkTransport(cluster: ClusterConfig, server: string | undefined) {
  if (server?.toLowerCase().startsWith('http:') && !cluster.allowInsecureHttp) {
    throw new InputError(
      `Cluster ${cluster.name}: the API server ${server} is plain http://, so its credentials would travel unencrypted; use https://, or set allowInsecureHttp: true for a local development cluster only`,
    );
  }
}

/**
 * Builds a client configuration for one configured cluster: a bearer token against the
 * configured URL (`serviceAccount`), or a context of a local kubeconfig (`kubeconfig`). Throws
 * an `InputError` for a plain-HTTP API server unless the cluster allows it explicitly.
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
    checkTransport(cluster, kubeConfig.getCurrentCluster()?.server);
    return kubeConfig;
  }
  checkTransport(cluster, cluster.url);
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
