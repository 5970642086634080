export {
  ExternalSecretsClusterPicker,
  type ExternalSecretsClusterPickerOptions,
} from './ExternalSecretsClusterPicker';
export {
  EXTERNAL_SECRETS_CLUSTER_PICKER_FIELD,
  externalSecretsClusterPickerSchema,
} from './schema';
