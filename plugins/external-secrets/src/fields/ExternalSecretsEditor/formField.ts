import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ExternalSecretsEditor } from './ExternalSecretsEditor';
import { EXTERNAL_SECRETS_EDITOR_FIELD } from './value';
import { externalSecretsEditorSchema } from './schema';
import { externalSecretsEditorValidation } from './validation';

/** The field for the New Frontend System's scaffolder (loaded when the form needs it). */
export const externalSecretsEditorField = createFormField({
  name: EXTERNAL_SECRETS_EDITOR_FIELD,
  component: ExternalSecretsEditor,
  validation: externalSecretsEditorValidation,
  schema: externalSecretsEditorSchema,
});
