import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';

/**
 * The field's return value, for the template editor's field explorer. Templates declare the
 * same shape with the naming rules (see templates/new-service-with-secrets/template.yaml).
 */
export const externalSecretsEditorSchema = makeFieldSchema({
  output: z =>
    z
      .array(
        z.object({
          name: z.string().describe('Secret name'),
          properties: z.array(
            z.object({
              property: z.string().describe('Vault property'),
              secretKey: z.string().describe('Key in the Kubernetes Secret'),
              initialValue: z
                .enum(['value set', 'none'])
                .describe('Whether an initial value was typed'),
              valueKey: z
                .string()
                .optional()
                .describe(
                  'The task secret holding the initial value (never the value)',
                ),
            }),
          ),
        }),
      )
      .describe('The service’s secrets, their properties and initial values'),
});
