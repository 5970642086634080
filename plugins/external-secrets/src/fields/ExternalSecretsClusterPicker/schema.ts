import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';

/** The field's value and options, for the template editor's field explorer. */
export const externalSecretsClusterPickerSchema = makeFieldSchema({
  output: z =>
    z.string().describe('The name of a cluster of externalSecrets.clusters'),
  uiOptions: z =>
    z.object({
      requireOnboarded: z
        .boolean()
        .optional()
        .describe(
          'Offer only clusters onboarded to Vault (the others are listed, disabled)',
        ),
    }),
});

/** The name templates use: `ui:field: ExternalSecretsClusterPicker`. */
export const EXTERNAL_SECRETS_CLUSTER_PICKER_FIELD =
  'ExternalSecretsClusterPicker';
