/**
 * Node-side building blocks shared by the gitops-secrets backend plugins: the cluster config
 * (`externalSecrets.clusters`) and the informer caches of ESO's objects, the Vault client with
 * its timeouts and retries, and the manifest renderer and ESO schema checks used by the
 * scaffolder actions. Test helpers are in the `/testUtils` entry point.
 *
 * @packageDocumentation
 */

export * from './manifests';
export * from './vault';

export { readClusterConfigs } from './kubernetes/clusterConfig';
export { readEsoServiceAccount } from './kubernetes/esoServiceAccount';
export type {
  ClusterAuthProvider,
  ClusterConfig,
} from './kubernetes/clusterConfig';
export { createKubeConfig } from './kubernetes/kubeConfig';
export { parseLabelSelector } from './kubernetes/labelSelector';
export type { LabelSelector } from './kubernetes/labelSelector';
export {
  ClusterCache,
  eventTime,
  KubernetesRequestError,
} from './kubernetes/clusterCache';
export { describeKubernetesError } from './kubernetes/kubernetesErrors';
export { DEFAULT_CLUSTER_CACHE_LIMITS } from './kubernetes/clusterCache';
export type {
  ClusterCacheChange,
  ClusterCacheLimits,
  ClusterCacheOptions,
} from './kubernetes/clusterCache';
export { DEFAULT_BACKOFF } from './kubernetes/resourceInformer';
export type {
  BackoffOptions,
  CacheChangeType,
  InformerHealth,
} from './kubernetes/resourceInformer';
export type {
  CachedResource,
  ClusterExternalSecretObject,
  EventObject,
  ExternalSecretObject,
  PodObject,
  PushSecretObject,
  SecretStoreObject,
} from './kubernetes/objects';
