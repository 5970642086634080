import { InputError } from '@backstage/errors';
import { ESO_API_VERSION } from '@gitops-secrets/plugin-external-secrets-common';
import { esoWebhookProblems } from './esoWebhookRules';
import type { KubernetesObject } from './types';

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: any) => ValidatingModel;

// The models package is ESM-only, so it is loaded on first use rather than required.
let models: Promise<Record<string, ModelClass>> | undefined;

function loadModels(): Promise<Record<string, ModelClass>> {
  if (!models) {
    models = Promise.all([
      import(
        '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret'
      ),
      import(
        '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore'
      ),
      import(
        '@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore'
      ),
    ]).then(([es, css, ss]) => ({
      ExternalSecret: es.ExternalSecret as unknown as ModelClass,
      ClusterSecretStore: css.ClusterSecretStore as unknown as ModelClass,
      SecretStore: ss.SecretStore as unknown as ModelClass,
    }));
  }
  return models;
}

/**
 * Checks an ESO object against the v1 API schema (the generated models of
 * `@kubernetes-models/external-secrets`) and ESO's webhook rules. Throws an `InputError`
 * naming the object and every problem.
 *
 * @public
 */
export async function validateEsoObject(
  object: KubernetesObject,
): Promise<void> {
  const label = `${object.kind} "${object.metadata?.name}"`;
  if (object.apiVersion !== ESO_API_VERSION) {
    throw new InputError(
      `${label} has apiVersion ${object.apiVersion}; expected ${ESO_API_VERSION}`,
    );
  }
  const Model = (await loadModels())[object.kind];
  if (!Model) {
    throw new InputError(`${label} is not an External Secrets Operator kind`);
  }
  const problems: string[] = [];
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`schema: ${(error as Error).message}`);
  }
  problems.push(...esoWebhookProblems(object));
  if (problems.length > 0) {
    throw new InputError(
      `${label} would be rejected by the cluster: ${problems.join('; ')}`,
    );
  }
}
