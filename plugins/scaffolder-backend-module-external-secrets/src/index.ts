/**
 * Scaffolder actions for the gitops-secrets flow: per service the Vault policy, the
 * Kubernetes-auth role, the first KV values and the External Secrets manifests; per cluster the
 * Vault Kubernetes auth mount and the cluster's GitOps files. Also the permission conditions
 * that keep template authors to the actions' default inputs.
 *
 * @packageDocumentation
 */

export { scaffolderModuleExternalSecrets as default } from './module';
export { createVaultPolicyCreateAction } from './actions/vaultPolicyCreate';
export { createVaultKubernetesRoleCreateAction } from './actions/vaultKubernetesRoleCreate';
export { createVaultKvSeedAction } from './actions/vaultKvSeed';
export {
  createVaultClientProvider,
  readVaultActionSettings,
} from './actions/vaultActionSettings';
export type {
  VaultActionSettings,
  VaultClientProvider,
} from './actions/vaultActionSettings';
export { createManifestsCreateAction } from './actions/manifestsCreate';
export { createVaultKubernetesAuthConfigureAction } from './actions/vaultKubernetesAuthConfigure';
export { readKubernetesAuthSettings } from './actions/kubernetesAuthSettings';
export type { KubernetesAuthSettings } from './actions/kubernetesAuthSettings';
export {
  ExternalSecretsActionsPermissionPolicy,
  defaultInputsOnlyConditions,
} from './permissions/actionConditions';
export { createClusterManifestsCreateAction } from './actions/clusterManifestsCreate';
export { readClusterManifestsSettings } from './actions/clusterManifestsConfig';
export type { ClusterManifestsSettings } from './actions/clusterManifestsConfig';
