export { VaultEmulator } from './VaultEmulator';
export type { VaultEmulatorOptions } from './VaultEmulator';
export { VaultFaults } from './VaultFaults';
export type { VaultFailureRule } from './VaultFaults';
export { vaultHandlers } from './mswHandlers';
export { createVaultRequestListener } from './requestListener';
export {
  createServiceAccountJwt,
  createUnsignedJwtReviewer,
} from './serviceAccountJwt';
export type { ServiceAccountJwtClaims } from './serviceAccountJwt';
export type { EmulatedAppRole } from './AppRoleAuthMount';
export type { VaultEmulatorState } from './vaultState';
export type { KvSecret, KvVersionRecord } from './KvMount';
export type {
  KubernetesAuthMountConfig,
  KubernetesAuthRole,
} from './KubernetesAuthMount';
export type { EmulatedToken } from './TokenStore';
export type {
  RecordedVaultRequest,
  TokenReviewRequest,
  TokenReviewResult,
  TokenReviewer,
  VaultHttpRequest,
  VaultHttpResponse,
  VaultOperation,
} from './types';
export {
  createTestCaPem,
  createTestServerTls,
  createTestTlsIdentities,
} from './testCertificate';
export type { TestTlsIdentity } from './testCertificate';
