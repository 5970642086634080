export type {
  ExternalSecretsManifestSpec,
  KubernetesObject,
  RenderedManifestFile,
  SecretPropertyMapping,
  SecretStoreKind,
  ServiceSecret,
  VaultCaProvider,
  VaultStoreSettings,
} from './types';
export type {
  ExternalSecretsManifestDefaults,
  ExternalSecretsManifestRequest,
  VaultStoreRequest,
} from './resolveManifestSpec';
export { resolveManifestSpec } from './resolveManifestSpec';
export { renderManifestObjects } from './renderManifestObjects';
export {
  renderManifestFiles,
  KUSTOMIZATION_FILE_NAME,
} from './renderManifestFiles';
export { esoWebhookProblems } from './esoWebhookRules';
export { authDelegatorBinding } from './authDelegatorBinding';
export { validateEsoObject } from './validateEsoObject';
