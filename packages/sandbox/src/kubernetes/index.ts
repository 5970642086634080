export {
  KubernetesEmulator,
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  STATIC_ADMIN_USER,
} from './KubernetesEmulator';
export type {
  KubernetesEmulatorState,
  KubernetesEmulatorOptions,
  KubernetesRequest,
  KubernetesResponse,
  StaticTokenUser,
} from './KubernetesEmulator';
export { ClusterClient, resourcePath } from './ClusterClient';
export type { ClusterCredentials, TokenRequestSpec } from './ClusterClient';
export { RbacAuthorizer } from './RbacAuthorizer';
export type { AuthorizationDecision, UserRules } from './RbacAuthorizer';
export {
  ruleAllows,
  serviceAccountUser,
  serviceAccountOf,
  uncoveredRules,
  SYSTEM_MASTERS,
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS_USER,
} from './rbacRules';
export type {
  AuthorizationAttributes,
  PolicyRule,
  RbacSubject,
  RoleRef,
  UserInfo,
} from './rbacRules';
export { requestAttributes } from './requestAttributes';
export {
  AUTH_DELEGATOR_ROLE,
  CLUSTER_ADMIN_ROLE,
  bootstrapPolicy,
} from './bootstrapPolicy';
export { NAMESPACE_NAME_LABEL } from './objectRegistry';
export { kubernetesHandlers } from './mswHandlers';
export { createKubernetesRequestListener } from './requestListener';
export {
  createMultiClusterTokenReviewer,
  createTokenReviewer,
} from './tokenReview';
export type {
  ClusterTokenReviewRequest,
  ClusterTokenReviewer,
} from './tokenReview';
export { RequestLog } from './requestLog';
export type { RecordedRequest } from './requestLog';
export { KubernetesApiError, forbidden } from './kubernetesStatus';
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
