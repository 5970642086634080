import { InputError } from '@backstage/errors';
import {
  VaultCapability,
  capabilitiesFor,
  explainCapabilities,
  kvServicePolicy,
  parseVaultPolicy,
  renderVaultPolicyHcl,
  vaultPolicyProblem,
} from './vaultPolicy';

describe('parseVaultPolicy', () => {
  it('reads HCL path blocks with comments of every kind', () => {
    const text = `
# the service's read access
path "secret/data/example-api/*" {
  capabilities = ["read"] // trailing comment
}
/* listing,
   too */
path "/secret/metadata/example-api/*" {
  capabilities = ["list", "read",]
  min_wrapping_ttl = "1s"
  allowed_parameters = { "*" = [] }
}
`;
    expect(parseVaultPolicy(text).rules).toEqual([
      { path: 'secret/data/example-api/*', capabilities: ['read'] },
      { path: 'secret/metadata/example-api/*', capabilities: ['read', 'list'] },
    ]);
  });

  it('reads JSON policy text', () => {
    const text = JSON.stringify({
      path: {
        'secret/data/a/*': { capabilities: ['read', 'list'] },
        'sys/*': { capabilities: ['deny'] },
      },
    });
    expect(parseVaultPolicy(text).rules).toEqual([
      { path: 'secret/data/a/*', capabilities: ['read', 'list'] },
      { path: 'sys/*', capabilities: ['deny'] },
    ]);
  });

  it('accepts the equivalent "path = { ... }" form, a name key and the legacy policy shorthand', () => {
    const text = `name = "x"
path = { "a/*" = { policy = "write" } }`;
    expect(parseVaultPolicy(text).rules).toEqual([
      {
        path: 'a/*',
        capabilities: ['create', 'read', 'update', 'delete', 'list'],
      },
    ]);
  });

  it('keeps only deny when a rule lists deny with other capabilities', () => {
    expect(
      parseVaultPolicy('path "a" { capabilities = ["read", "deny"] }').rules,
    ).toEqual([{ path: 'a', capabilities: ['deny'] }]);
  });

  it('accepts an empty policy text as no rules', () => {
    expect(parseVaultPolicy('  # nothing\n').rules).toEqual([]);
  });

  it.each([
    [
      'an unknown capability',
      'path "a" { capabilities = ["admin"] }',
      'invalid capability "admin"',
    ],
    [
      'an unknown key in a block',
      'path "a" { capabilites = ["read"] }',
      'invalid key "capabilites"',
    ],
    [
      'an unknown top-level key',
      'paths "a" { capabilities = ["read"] }',
      'invalid key "paths"',
    ],
    [
      'an unterminated block',
      'path "a" { capabilities = ["read"]',
      'missing "}"',
    ],
    [
      'an unterminated string',
      'path "a { capabilities = ["read"] }',
      'on line 1',
    ],
    [
      'a stray brace',
      'path "a" { capabilities = ["read"] } }',
      'unexpected "}"',
    ],
    [
      'capabilities that are not a list',
      'path "a" { capabilities = "read" }',
      'must be a list',
    ],
    [
      '"+*" in a path',
      'path "a/+*" { capabilities = ["read"] }',
      "'+*' is forbidden",
    ],
    ['broken JSON', '{"path": ', 'invalid JSON'],
    ['a JSON null', '{"path": {"a": {"capabilities": null}}}', 'null'],
    ['a bare word', 'read', 'expected "=" or "{"'],
    [
      'an injected second block',
      'path "a" { capabilities = ["read"] } path "',
      'unterminated string',
    ],
    [
      'a stray character',
      'path "a" { capabilities = ["read"] };',
      'unexpected character',
    ],
    ['an unterminated comment', '/* path "a" {}', 'unterminated comment'],
  ])('rejects %s', (_what, text, fragment) => {
    expect(() => parseVaultPolicy(text)).toThrow(InputError);
    expect(() => parseVaultPolicy(text)).toThrow(/^failed to parse policy: /);
    expect(vaultPolicyProblem(text)).toContain(fragment);
  });

  it('says undefined for valid text', () => {
    expect(
      vaultPolicyProblem('path "a" { capabilities = ["read"] }'),
    ).toBeUndefined();
  });
});

describe('capabilitiesFor', () => {
  const policy = (...blocks: Array<[string, VaultCapability[]]>) =>
    blocks
      .map(
        ([path, caps]) =>
          `path "${path}" { capabilities = ${JSON.stringify(caps)} }`,
      )
      .join('\n');

  it.each<[string, string[], string, VaultCapability[]]>([
    [
      'exact match',
      [policy(['secret/data/a', ['read']])],
      'secret/data/a',
      ['read'],
    ],
    [
      'exact rule does not match a longer path',
      [policy(['secret/data/a', ['read']])],
      'secret/data/a/b',
      ['deny'],
    ],
    [
      'glob matches as a prefix',
      [policy(['secret/data/a/*', ['read']])],
      'secret/data/a/b/c',
      ['read'],
    ],
    [
      'glob matches its own stem',
      [policy(['secret/data/a/*', ['read']])],
      'secret/data/a/',
      ['read'],
    ],
    [
      'glob needs the stem',
      [policy(['secret/data/a/*', ['read']])],
      'secret/data/a',
      ['deny'],
    ],
    [
      'glob is a string prefix, not a segment prefix',
      [policy(['secret/data/a*', ['read']])],
      'secret/data/abc',
      ['read'],
    ],
    [
      '"*" in the middle is literal',
      [policy(['secret/*/a', ['read']])],
      'secret/x/a',
      ['deny'],
    ],
    [
      '"*" in the middle matches itself',
      [policy(['secret/*/a', ['read']])],
      'secret/*/a',
      ['read'],
    ],
    [
      '"+" matches one segment',
      [policy(['secret/+/a', ['read']])],
      'secret/x/a',
      ['read'],
    ],
    [
      '"+" does not match two segments',
      [policy(['secret/+/a', ['read']])],
      'secret/x/y/a',
      ['deny'],
    ],
    [
      '"+" with a trailing glob',
      [policy(['secret/+/a/*', ['read']])],
      'secret/x/a/b/c',
      ['read'],
    ],
    [
      '"+" with a partial last segment glob',
      [policy(['secret/+/ab*', ['read']])],
      'secret/x/abc',
      ['read'],
    ],
    ['no rule at all', [], 'secret/data/a', ['deny']],
    [
      'a leading slash in the request',
      [policy(['secret/data/a', ['read']])],
      '/secret/data/a',
      ['read'],
    ],
    [
      'exact beats glob',
      [policy(['secret/data/a/*', ['read']], ['secret/data/a/b', ['update']])],
      'secret/data/a/b',
      ['update'],
    ],
    [
      'longer glob beats shorter glob',
      [policy(['secret/*', ['read']], ['secret/data/*', ['list']])],
      'secret/data/x',
      ['list'],
    ],
    [
      'more specific glob wins even when it grants less (deny)',
      [policy(['secret/*', ['read']], ['secret/data/b/*', ['deny']])],
      'secret/data/b/x',
      ['deny'],
    ],
    [
      'a later first wildcard wins',
      [policy(['secret/+/a/b', ['read']], ['secret/data/+/b', ['update']])],
      'secret/data/a/b',
      ['update'],
    ],
    [
      'no trailing glob beats trailing glob at the same position',
      [policy(['secret/+/a', ['read']], ['secret/+/*', ['update']])],
      'secret/x/a',
      ['read'],
    ],
    [
      'fewer "+" segments win',
      [policy(['secret/+/+', ['read']], ['secret/+/a', ['update']])],
      'secret/x/a',
      ['update'],
    ],
    [
      'a glob after the "+" position beats the "+"',
      [policy(['secret/+/a', ['read']], ['secret/data/*', ['update']])],
      'secret/data/a',
      ['update'],
    ],
    [
      'same pattern unites across policies',
      [
        policy(['secret/data/a/*', ['read']]),
        policy(['secret/data/a/*', ['list']]),
      ],
      'secret/data/a/x',
      ['read', 'list'],
    ],
    [
      'deny on the same pattern wins across policies',
      [
        policy(['secret/data/a/*', ['read']]),
        policy(['secret/data/a/*', ['deny']]),
      ],
      'secret/data/a/x',
      ['deny'],
    ],
    [
      'an empty capability list grants nothing',
      [policy(['secret/data/a/*', []])],
      'secret/data/a/x',
      ['deny'],
    ],
    [
      'KV v2 policy without data/ does not cover the data path',
      [policy(['secret/example-api/*', ['read']])],
      'secret/data/example-api/env-file',
      ['deny'],
    ],
    [
      'LIST with a trailing slash matches an exact rule without it',
      [policy(['secret/metadata/a', ['list']])],
      'secret/metadata/a/',
      ['list'],
    ],
  ])('%s', (_what, policies, path, expected) => {
    expect(capabilitiesFor(policies, path)).toEqual(expected);
  });

  it('names the rule that decided', () => {
    const policies = [
      policy(['secret/*', ['read']], ['secret/data/a/*', ['read', 'list']]),
    ];
    expect(explainCapabilities(policies, 'secret/data/a/b')).toEqual({
      capabilities: ['read', 'list'],
      matchedRule: 'secret/data/a/*',
    });
    expect(explainCapabilities(policies, 'other/x')).toEqual({
      capabilities: ['deny'],
    });
  });

  it('accepts parsed policies as well as text', () => {
    const parsed = parseVaultPolicy(policy(['a/*', ['read']]));
    expect(capabilitiesFor([parsed], 'a/b')).toEqual(['read']);
  });
});

describe('kvServicePolicy and renderVaultPolicyHcl', () => {
  it('renders the workflow policy for KV v2 with read only', () => {
    const policy = kvServicePolicy({
      kvMount: 'secret',
      kvVersion: 2,
      pathPrefix: 'example-api',
      capabilities: ['read'],
    });
    const hcl = renderVaultPolicyHcl(policy);
    expect(hcl).toBe(
      'path "secret/data/example-api/*" {\n  capabilities = ["read"]\n}\n',
    );
    expect(parseVaultPolicy(hcl)).toEqual(policy);
    expect(capabilitiesFor([hcl], 'secret/data/example-api/env-file')).toEqual([
      'read',
    ]);
    expect(
      capabilitiesFor([hcl], 'secret/data/example-worker/config-file'),
    ).toEqual(['deny']);
    expect(capabilitiesFor([hcl], 'secret/example-api/env-file')).toEqual([
      'deny',
    ]);
    expect(
      capabilitiesFor([hcl], 'secret/metadata/example-api/env-file'),
    ).toEqual(['deny']);
  });

  it('adds list on the metadata path only when asked (KV v2)', () => {
    const policy = kvServicePolicy({
      kvMount: 'secret',
      kvVersion: 2,
      pathPrefix: 'example-api',
      capabilities: ['list', 'read'],
    });
    expect(policy.rules).toEqual([
      { path: 'secret/data/example-api/*', capabilities: ['read'] },
      { path: 'secret/metadata/example-api/*', capabilities: ['list'] },
    ]);
    const hcl = renderVaultPolicyHcl(policy);
    expect(capabilitiesFor([hcl], 'secret/metadata/example-api/')).toEqual([
      'list',
    ]);
  });

  it('uses the mount path directly on KV v1', () => {
    const policy = kvServicePolicy({
      kvMount: 'kv',
      kvVersion: 1,
      pathPrefix: 'example-api',
      capabilities: ['read', 'list'],
    });
    expect(renderVaultPolicyHcl(policy)).toBe(
      'path "kv/example-api/*" {\n  capabilities = ["read", "list"]\n}\n',
    );
  });

  it.each([
    [
      'an injected block in the prefix',
      { pathPrefix: 'x" { capabilities = ["sudo"] } path "' },
    ],
    ['a glob prefix', { pathPrefix: 'a/*' }],
    ['a traversal', { pathPrefix: '../sys' }],
    ['a mount ending in data', { kvMount: 'secret/data' }],
    ['no capability', { capabilities: [] }],
    ['deny', { capabilities: ['deny'] }],
  ])('rejects %s', (_what, override) => {
    expect(() =>
      kvServicePolicy({
        kvMount: 'secret',
        kvVersion: 2,
        pathPrefix: 'example-api',
        capabilities: ['read'],
        ...(override as object),
      }),
    ).toThrow(InputError);
  });

  it('quotes paths so that the rendered text cannot open another block', () => {
    const hcl = renderVaultPolicyHcl({
      rules: [
        {
          path: 'a" } path "sys/*" { capabilities = ["sudo"] } #',
          capabilities: ['read'],
        },
      ],
    });
    const parsed = parseVaultPolicy(hcl);
    expect(parsed.rules).toHaveLength(1);
    expect(capabilitiesFor([parsed], 'sys/mounts')).toEqual(['deny']);
  });
});
