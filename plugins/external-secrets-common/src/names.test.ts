import { InputError } from '@backstage/errors';
import { defaultRoleName, deriveNames } from './names';

describe('deriveNames', () => {
  it('derives the workflow defaults for example-api', () => {
    const names = deriveNames('example-api');
    expect(names.policyName).toBe('example-api');
    expect(names.roleName).toBe('external-secrets-example-api');
    expect(names.storeName).toBe('vault-example-api');
    expect(names.namespace).toBe('example-api');
    expect(names.externalSecretName('env-file')).toBe('example-api-env-file');
    expect(names.targetSecretName('env-file')).toBe('example-api-env-file');
    expect(names.vaultKey('env-file')).toBe('example-api/env-file');
  });

  it('derives the role name by the same rule ownership checks use', () => {
    expect(defaultRoleName('example-worker')).toBe(
      'external-secrets-example-worker',
    );
    expect(deriveNames('example-worker').roleName).toBe(
      defaultRoleName('example-worker'),
    );
  });

  it.each(['Example', 'example_api', '', 'a'.repeat(64), 'x" {'])(
    'refuses service name %j',
    name => {
      expect(() => deriveNames(name)).toThrow(InputError);
    },
  );

  it('refuses secret names that would break the derived object names', () => {
    const names = deriveNames('example-api');
    expect(() => names.externalSecretName('Env File')).toThrow(InputError);
    expect(() => names.vaultKey('../x')).toThrow(InputError);
    expect(() => names.externalSecretName('a'.repeat(250))).toThrow(
      /ExternalSecret name/,
    );
  });
});
