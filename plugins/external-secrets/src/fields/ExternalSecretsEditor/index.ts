export { ExternalSecretsEditor } from './ExternalSecretsEditor';
export { externalSecretsEditorValidation } from './validation';
export { externalSecretsEditorSchema } from './schema';
export { EXTERNAL_SECRETS_EDITOR_FIELD } from './value';
export type {
  ExternalSecretsEditorProperty,
  ExternalSecretsEditorSecret,
  ExternalSecretsEditorValue,
} from './value';
