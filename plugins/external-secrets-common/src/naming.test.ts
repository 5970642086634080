import { InputError } from '@backstage/errors';
import { NAME_RULES, NameKind, nameProblem, validateName } from './naming';

/** Values no name of any kind may take: injection, traversal, globs, look-alikes, junk. */
const HOSTILE: string[] = [
  '',
  ' ',
  'example api',
  ' example-api',
  'example-api ',
  'example-api\n',
  'example-api\r\npath "secret/*"',
  'example-api\t',
  'example-api\u0000',
  '\u0000',
  'example-api\u0007',
  'x" { capabilities = ["sudo"] } path "',
  'x"}',
  "x'",
  'x`whoami`',
  'x${HOME}',
  'x{}',
  '{',
  '}',
  'x[0]',
  'x#comment',
  '# comment',
  '*',
  'example-*',
  '+',
  'example+api',
  'a=b',
  'a;b',
  'a&b',
  'a|b',
  'a<b>',
  'a\\b',
  'a%2e%2e',
  'a:b',
  'a,b',
  'a@b',
  'a?b',
  'a!b',
  'ехample-api', // Cyrillic "е"
  'exаmple-api', // Cyrillic "а"
  'example‐api', // U+2010 hyphen
  'example－api', // fullwidth hyphen-minus
  'éxample',
  'example\u200bapi', // zero-width space
  'example\u00a0api', // no-break space
  '🔑',
  '{"policy":"x"}',
  'x"\n}\npath "sys/*" {\n  capabilities = ["sudo"]\n}\n#',
];

const TRAVERSAL = [
  '../etc',
  '..',
  '.',
  'a/../b',
  'a/./b',
  '/a',
  'a/',
  'a//b',
  '../../sys/policies/acl/root',
];

const OVERLONG_LABEL = 'a'.repeat(64);

describe('name rules', () => {
  const kinds = Object.keys(NAME_RULES) as NameKind[];

  describe.each(kinds)('%s', kind => {
    it.each(HOSTILE)('rejects hostile value %j', value => {
      expect(nameProblem(kind, value)).toBeDefined();
      expect(() => validateName(kind, value, 'field')).toThrow(InputError);
    });

    it('rejects values longer than its limit', () => {
      const value = 'a'.repeat(NAME_RULES[kind].maxLength + 1);
      expect(nameProblem(kind, value)).toMatch(/more than/);
    });

    it('rejects non-strings', () => {
      for (const value of [undefined, null, 42, {}, ['a']]) {
        expect(nameProblem(kind, value)).toMatch(/must be a string/);
      }
    });
  });

  it.each<[NameKind, string]>([
    ['serviceName', 'example-api'],
    ['serviceName', 'a'],
    ['serviceName', 'a1'],
    ['serviceName', 'a'.repeat(63)],
    ['kubernetesNamespace', 'external-secrets'],
    ['kubernetesObjectName', 'example-api-env-file'],
    ['kubernetesObjectName', 'vault.example-api'],
    ['serviceAccountName', 'external-secrets'],
    ['secretDataKey', '.env'],
    ['secretDataKey', 'config.json'],
    ['secretDataKey', 'DB_PASSWORD'],
    ['secretDataKey', 'config'],
    ['vaultKvKey', 'example-api/env-file'],
    ['vaultKvKey', 'team_a/example.api/v1'],
    ['vaultKvKey', '.hidden/x'],
    ['vaultMount', 'secret'],
    ['vaultMount', 'kv/team-a'],
    ['vaultMount', 'kubernetes'],
    ['vaultPolicyName', 'example-api'],
    ['vaultPolicyName', 'team.a_read'],
    ['vaultRoleName', 'external-secrets-example-api'],
    ['vaultRoleName', '_internal'],
    ['vaultProperty', 'dotenv'],
    ['vaultProperty', 'config.json'],
  ])('accepts %s %j', (kind, value) => {
    expect(nameProblem(kind, value)).toBeUndefined();
    expect(validateName(kind, value, 'field')).toBe(value);
  });

  it.each<[NameKind, string, RegExp]>([
    ['serviceName', 'Example-API', /DNS-1123 label/],
    ['serviceName', '-example', /DNS-1123 label/],
    ['serviceName', 'example-', /DNS-1123 label/],
    ['serviceName', 'example_api', /DNS-1123 label/],
    ['serviceName', 'example.api', /DNS-1123 label/],
    ['serviceName', OVERLONG_LABEL, /64 characters long, more than 63/],
    ['kubernetesNamespace', 'Kube-System', /DNS-1123 label/],
    ['kubernetesObjectName', 'a..b', /DNS-1123 subdomain/],
    ['secretDataKey', '..', /not allowed/],
    ['secretDataKey', '.', /not allowed/],
    ['secretDataKey', 'a/b', /Kubernetes Secret key/],
    ['vaultProperty', '..', /not allowed/],
    ['vaultPolicyName', 'root', /reserves/],
    ['vaultPolicyName', 'default', /reserves/],
    ['vaultPolicyName', 'Example-API', /lowercase/],
    ['vaultPolicyName', 'example-', /policy name/],
    ['vaultRoleName', 'External-Secrets', /role name/],
    ['vaultRoleName', '-role', /role name/],
    ['vaultMount', 'secret/data', /mount only/],
    ['vaultMount', 'secret/', /mount path/],
  ])('rejects %s %j with a clear reason', (kind, value, reason) => {
    expect(nameProblem(kind, value)).toMatch(reason);
  });

  it.each(TRAVERSAL)(
    'rejects traversal %j in Vault paths and mounts',
    value => {
      expect(nameProblem('vaultKvKey', value)).toBeDefined();
      expect(nameProblem('vaultMount', value)).toBeDefined();
    },
  );

  it('names the field and the rule in the error, with the value escaped', () => {
    expect(() =>
      validateName('serviceName', 'bad name\u0000', 'parameters.name'),
    ).toThrow(
      'Invalid parameters.name: "bad name\\u0000" is not a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    );
  });

  it('cuts long rejected values in messages', () => {
    const problem = nameProblem('vaultKvKey', `${'x'.repeat(200)}*`);
    expect(problem).toContain('...');
    expect(problem!.length).toBeLessThan(400);
  });

  it('patterns work as JSON schema patterns (plain ECMAScript, anchored)', () => {
    for (const rule of Object.values(NAME_RULES)) {
      expect(rule.pattern.startsWith('^')).toBe(true);
      expect(rule.pattern.endsWith('$')).toBe(true);
      expect(() => new RegExp(rule.pattern, 'u')).not.toThrow();
    }
  });
});
