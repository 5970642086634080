/**
 * Entity card and "Secrets" tab showing whether a service's External Secrets really sync from
 * Vault, and why not.
 *
 * @packageDocumentation
 */

export {
  externalSecretsPlugin,
  EntityExternalSecretsCard,
  EntityClusterHealthCard,
  EntityExternalSecretsContent,
  SecretsHealthPage,
  ExternalSecretsEditorFieldExtension,
  ExternalSecretsClusterPickerFieldExtension,
} from './plugin';
export type { ExternalSecretsClusterPickerOptions } from './fields/ExternalSecretsClusterPicker';
export type {
  ExternalSecretsEditorProperty,
  ExternalSecretsEditorSecret,
  ExternalSecretsEditorValue,
} from './fields/ExternalSecretsEditor';
export {
  externalSecretsApiRef,
  type ExternalSecretsApi,
} from './api/ExternalSecretsApi';
export { ExternalSecretsClient } from './api/ExternalSecretsClient';
export {
  isExternalSecretsAvailable,
  isKubernetesClusterEntity,
} from '@gitops-secrets/plugin-external-secrets-common';
