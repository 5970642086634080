import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ExternalSecretsClusterPicker } from './ExternalSecretsClusterPicker';
import {
  EXTERNAL_SECRETS_CLUSTER_PICKER_FIELD,
  externalSecretsClusterPickerSchema,
} from './schema';

/** The field for the New Frontend System's scaffolder (loaded when the form needs it). */
export const externalSecretsClusterPickerField = createFormField({
  name: EXTERNAL_SECRETS_CLUSTER_PICKER_FIELD,
  component: ExternalSecretsClusterPicker,
  schema: externalSecretsClusterPickerSchema,
});
