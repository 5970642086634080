export { VaultClient } from './VaultClient';
export type { VaultClientOptions } from './VaultClient';
export { readVaultSettings, VAULT_CONFIG_KEY } from './vaultConfig';
export { describeVaultError } from './vaultErrors';
export type { VaultErrorDetails } from './vaultErrors';
export type { VaultAuthSettings, VaultSettings } from './vaultConfig';
export type {
  KubernetesAuthConfigInfo,
  KubernetesRoleInfo,
  KvMetadataInfo,
  VaultResponse,
} from './types';
