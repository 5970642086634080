export {};
export * from './manifests';
export * from './vault';

export { readClusterConfigs } from './kubernetes/clusterConfig';
export type {
  ClusterAuthProvider,
  ClusterConfig,
} from './kubernetes/clusterConfig';
export {
  createKubeConfig,
  PARTIAL_METADATA_ACCEPT,
  PARTIAL_METADATA_LIST_ACCEPT,
} from './kubernetes/kubeConfig';
export { parseLabelSelector } from './kubernetes/labelSelector';
export type { LabelSelector } from './kubernetes/labelSelector';
export { ClusterCache, eventTime } from './kubernetes/clusterCache';
export type {
  ClusterCacheChange,
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
  EventObject,
  ExternalSecretObject,
  SecretMetadataObject,
  SecretStoreObject,
} from './kubernetes/objects';
