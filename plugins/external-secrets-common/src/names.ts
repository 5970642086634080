import { validateName } from './naming';

/**
 * The default Vault role name of a service, before validation: `external-secrets-<name>`. The
 * one place the pattern is written; {@link deriveNames} validates it, and role ownership checks
 * compare against it.
 *
 * @public
 */
export function defaultRoleName(serviceName: string): string {
  return `external-secrets-${serviceName}`;
}

/**
 * The names the workflow derives from a service name, with the defaults the platform team
 * uses by hand today. For `example-api` and secret `env-file`: policy `example-api`, role
 * `external-secrets-example-api`, store `vault-example-api`, service account
 * `external-secrets-example-api` (in the service's namespace), ExternalSecret and target Secret
 * `example-api-env-file`, Vault key `example-api/env-file`.
 *
 * @public
 */
export interface DerivedNames {
  policyName: string;
  roleName: string;
  storeName: string;
  /** The service's own service account ESO logs in to Vault with, in the service's namespace. */
  serviceAccountName: string;
  namespace: string;
  externalSecretName(secretName: string): string;
  targetSecretName(secretName: string): string;
  vaultKey(secretName: string): string;
}

/**
 * The default names for a service. Validates the service name; every derived name is checked
 * against its own rule, so an overlong combination fails here and not in Vault.
 *
 * @public
 */
export function deriveNames(serviceName: string): DerivedNames {
  validateName('serviceName', serviceName, 'name');
  const policyName = validateName(
    'vaultPolicyName',
    serviceName,
    'policy name',
  );
  const roleName = validateName(
    'vaultRoleName',
    defaultRoleName(serviceName),
    'role name',
  );
  const storeName = validateName(
    'kubernetesObjectName',
    `vault-${serviceName}`,
    'store name',
  );
  const serviceAccountName = validateName(
    'serviceAccountName',
    `external-secrets-${serviceName}`,
    'service account name',
  );
  const objectName = (secretName: string) => {
    validateName('kubernetesObjectName', secretName, 'secret name');
    return validateName(
      'kubernetesObjectName',
      `${serviceName}-${secretName}`,
      'ExternalSecret name',
    );
  };
  return {
    policyName,
    roleName,
    storeName,
    serviceAccountName,
    namespace: serviceName,
    externalSecretName: objectName,
    targetSecretName: objectName,
    vaultKey: secretName => {
      validateName('kubernetesObjectName', secretName, 'secret name');
      return validateName(
        'vaultKvKey',
        `${serviceName}/${secretName}`,
        'Vault key',
      );
    },
  };
}
