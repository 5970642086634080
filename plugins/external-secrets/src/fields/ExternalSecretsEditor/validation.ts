import type { CustomFieldValidator } from '@backstage/plugin-scaffolder-react';
import {
  secretsProblems,
  type SecretsProblem,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretsEditorValue } from './value';

const FIELD_LABELS: Record<string, string> = {
  name: 'name',
  properties: 'properties',
  property: 'Vault property',
  secretKey: 'key in the Kubernetes Secret',
};

/** "Secret 1 (db), property 2, key in the Kubernetes Secret" for a problem's path. */
export function describeProblemPath(
  problem: SecretsProblem,
  value: unknown,
): string {
  const [secretIndex, , propertyIndex, field] = problem.path;
  if (secretIndex === undefined) {
    return 'Secrets';
  }
  const secret = Array.isArray(value)
    ? value[secretIndex as number]
    : undefined;
  const name =
    typeof secret?.name === 'string' && secret.name ? ` (${secret.name})` : '';
  const parts = [`Secret ${(secretIndex as number) + 1}${name}`];
  if (propertyIndex !== undefined) {
    parts.push(`property ${(propertyIndex as number) + 1}`);
    parts.push(FIELD_LABELS[field as string] ?? String(field));
  } else {
    parts.push(FIELD_LABELS[problem.path[1] as string] ?? '');
  }
  return parts.filter(Boolean).join(', ');
}

/**
 * Checks the secrets with the rules the actions enforce (from the common package), so that
 * "Next" stops on what the manifests step would refuse later.
 */
export const externalSecretsEditorValidation: CustomFieldValidator<
  ExternalSecretsEditorValue
> = (value, validation, context) => {
  for (const problem of secretsProblems(context.formData?.name, value)) {
    validation.addError(
      `${describeProblemPath(problem, value)}: ${problem.message}`,
    );
  }
};
