export {
  KubernetesEmulator,
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
} from './KubernetesEmulator';
export type {
  KubernetesEmulatorState,
  KubernetesEmulatorOptions,
  KubernetesRequest,
  KubernetesResponse,
} from './KubernetesEmulator';
export { kubernetesHandlers } from './mswHandlers';
export { createKubernetesRequestListener } from './requestListener';
export { createTokenReviewer } from './tokenReview';
export type {
  ClusterTokenReviewRequest,
  ClusterTokenReviewer,
} from './tokenReview';
export { RequestLog } from './requestLog';
export type { RecordedRequest } from './requestLog';
export { KubernetesApiError } from './kubernetesStatus';
export type { KubeObject, ObjectMeta, WatchEventType } from './kubeObject';
export type { ObjectRegistry, PatchType, WriteOptions } from './objectRegistry';
export type {
  StoredChange,
  ChangeListener,
  StoreSnapshot,
} from './objectStore';
export { RESOURCE_TYPES } from './resourceTypes';
export type { ResourceType } from './resourceTypes';
export type { ServiceAccountTokenClaims } from './serviceAccountTokens';
