import { capabilitiesFor, type VaultCapability } from './vaultPolicy';

// The sandbox's Vault emulator authorises with this evaluator (packages/sandbox/README.md, "How
// the emulators relate to the product"), so its rules are pinned here from outside the product:
// every expectation below is one that Vault itself states, in
// - hashicorp/vault `vault/acl_test.go` (TestACL_Single, TestACL_Layered, TestACL_Capabilities,
//   TestACLGrantingPolicies): which operation a policy allows on which path;
// - the policies documentation (developer.hashicorp.com/vault/docs/concepts/policies): "Priority
//   matching", `+` as one path segment, `*` only at the end, `deny` taking precedence.
// The policies are written for these tests; the outcomes are Vault's. A case that fails here is a
// place where the evaluator, and with it the emulator, disagrees with Vault.

function allowed(
  policies: string[],
  path: string,
  capability: VaultCapability,
): boolean {
  const caps = capabilitiesFor(policies, path);
  return !caps.includes('deny') && caps.includes(capability);
}

// One policy with exact paths, globs and segment wildcards (the shapes of TestACL_Single).
const single = `
path "app/*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }
path "team/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "team/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "team/aws/policy/*" { policy = "sudo" }
path "live/*" { policy = "read" }
path "live/aws/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "exact/one" { capabilities = ["read", "create", "sudo"] }
path "exact/two" { capabilities = ["read", "create", "patch"] }
path "seg/+/mid" { capabilities = ["read"] }
path "+/lead/at/front" { capabilities = ["read"] }
path "seg/tail/at/end/+" { capabilities = ["read"] }
path "seg/tail/at/end/v2/+/" { capabilities = ["read"] }
path "seg/+/both/+/*" { capabilities = ["read"] }
path "n/1/*" { capabilities = ["create"] }
path "n/1/+" { capabilities = ["read"] }
path "n/1/+/+" { capabilities = ["update", "recover"] }
`;

// A second policy layered on the first (the shapes of TestACL_Layered).
const layered = `
path "app/hidden/*" { policy = "deny" }
path "team/aws/policy/*" {
  policy = "deny"
  capabilities = ["read", "update", "sudo"]
}
path "live/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "exact/one" { capabilities = ["deny"] }
path "exact/two" { capabilities = ["deny"] }
`;

describe('the ACL evaluator decides as Vault does (vault/acl_test.go, TestACL_Single)', () => {
  it.each<[VaultCapability, string, boolean]>([
    // an unmatched path is denied
    ['read', 'root', false],
    // globs: the longest matching prefix decides
    ['read', 'app/foo', true],
    ['update', 'app/foo', true],
    ['delete', 'team/foo', true],
    ['list', 'team/aws/foo', true],
    ['update', 'team/aws/foo', true],
    ['update', 'team/aws/policy/foo', true],
    ['delete', 'live/foo', false],
    ['update', 'live/foo', false],
    ['read', 'live/foo', true],
    ['list', 'live/foo', true],
    // a longer glob that denies wins over a shorter one that grants
    ['read', 'live/aws/foo', false],
    // an exact path grants exactly its capabilities
    ['read', 'exact/one', true],
    ['list', 'exact/one', false],
    ['update', 'exact/one', false],
    ['create', 'exact/one', true],
    ['read', 'exact/two', true],
    ['create', 'exact/two', true],
    ['patch', 'exact/two', true],
    ['list', 'exact/two', false],
    ['update', 'exact/two', false],
    // `+` is exactly one segment, anywhere in the path
    ['read', 'seg/foo/bar/mid', false],
    ['read', 'seg/foo/mid', true],
    ['read', 'seg/bar/mid', true],
    ['read', 'seg/lead/at/frond', false],
    ['read', 'seg/lead/at/front', true],
    ['read', 'seg/tail/at/end/foo', true],
    ['read', 'seg/tail/at/end/foo/', false],
    ['read', 'seg/tail/at/end/v2/foo/', true],
    ['read', 'seg/x/both/y/foo/', true],
    ['read', 'seg/x/both/y/end', true],
    ['read', 'seg/x/both/y/end/', true],
    // segment wildcards against a glob: the priority rules pick one rule, never a union
    ['read', 'n/1/3/4', false],
    ['read', 'n/1/3', true],
    ['update', 'n/1/3', false],
    ['update', 'n/1/3/4', true],
    ['create', 'n/1/3/4/5', true],
    ['recover', 'n/1/3/4', true],
  ])('%s on %s: %s', (capability, path, expected) => {
    expect(allowed([single], path, capability)).toBe(expected);
  });
});

describe('two policies on one token (vault/acl_test.go, TestACL_Layered)', () => {
  it.each<[VaultCapability, string, boolean]>([
    ['read', 'app/foo', true],
    ['update', 'app/foo', true],
    // a deny on a longer glob of the second policy
    ['read', 'app/hidden/foo', false],
    ['update', 'app/hidden/foo', false],
    ['delete', 'team/foo', true],
    ['list', 'team/aws/foo', true],
    ['update', 'team/aws/foo', true],
    // deny on the same pattern in another policy beats its grant, and the grant beside it
    ['update', 'team/aws/policy/foo', false],
    // the same pattern in two policies: the capabilities add up
    ['delete', 'live/foo', true],
    ['update', 'live/foo', true],
    ['read', 'live/foo', true],
    ['list', 'live/foo', true],
    ['read', 'live/aws/foo', false],
    // an exact path beats the deny glob above it
    ['read', 'sys/status', false],
    ['update', 'sys/seal', true],
    // deny on an exact path, in either policy, beats every grant
    ['read', 'exact/one', false],
    ['create', 'exact/one', false],
    ['read', 'exact/two', false],
    ['patch', 'exact/two', false],
  ])('%s on %s: %s', (capability, path, expected) => {
    expect(allowed([single, layered], path, capability)).toBe(expected);
  });
});

describe('capabilities of a path (vault/acl_test.go, TestACL_Capabilities)', () => {
  it('a glob "x/*" does not match "x" itself', () => {
    expect(capabilitiesFor([single], 'app')).toEqual(['deny']);
  });

  it('"x/" is inside "x/*", with every capability of the rule', () => {
    expect(capabilitiesFor([single], 'app/').sort()).toEqual(
      ['create', 'delete', 'list', 'read', 'sudo', 'update'].sort(),
    );
  });

  it('the legacy policy shorthand adds to the listed capabilities', () => {
    expect(capabilitiesFor([single], 'team/aws/test').sort()).toEqual(
      ['list', 'read', 'sudo', 'update'].sort(),
    );
  });
});

describe('exact paths and deny across policies (vault/acl_test.go, TestACLGrantingPolicies)', () => {
  const granting = `
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/deny" { capabilities = ["deny"] }
`;
  const merged = `
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/path/longer3" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }
`;

  it.each<[VaultCapability, string, string[], boolean]>([
    ['read', 'kv/foo', [granting], true],
    ['update', 'kv/foo', [granting], true],
    ['read', 'kv/bad', [granting], false],
    ['read', 'kv/deny', [granting], false],
    ['read', 'kv/path/foo', [granting], true],
    ['read', 'kv/path/longer', [granting], true],
    ['read', 'kv/path/longer3', [granting, merged], true],
    ['read', 'kv/bar', [granting, merged], true],
    ['read', 'kv/deny', [granting, merged], false],
    ['update', 'kv/deny', [granting, merged], false],
    ['update', 'kv/path/longer', [granting, merged], true],
  ])('%s on %s: %s', (capability, path, policies, expected) => {
    expect(allowed(policies, path, capability)).toBe(expected);
  });
});

describe('priority matching (Vault policies documentation)', () => {
  // "If the first wildcard (+) or glob (*) occurs earlier in P1, P1 is lower priority"
  it('the rule whose first wildcard comes later wins', () => {
    const policy = `
path "secret/+/config" { capabilities = ["read"] }
path "secret/app/*" { capabilities = ["update"] }
`;
    expect(capabilitiesFor([policy], 'secret/app/config')).toEqual(['update']);
  });

  // "If P1 ends in * and P2 doesn't, P1 is lower priority"
  it('a rule without a trailing glob beats one with it, at the same first wildcard', () => {
    const policy = `
path "secret/+/config*" { capabilities = ["read"] }
path "secret/+/config" { capabilities = ["update"] }
`;
    expect(capabilitiesFor([policy], 'secret/app/config')).toEqual(['update']);
  });

  // "If P1 has more + (wildcard) segments, P1 is lower priority"
  it('fewer segment wildcards win', () => {
    const policy = `
path "secret/+/+/key" { capabilities = ["read"] }
path "secret/+/env/key" { capabilities = ["update"] }
`;
    expect(capabilitiesFor([policy], 'secret/app/env/key')).toEqual(['update']);
  });

  // "If P1 is shorter, it is lower priority"
  it('the longer pattern wins', () => {
    const policy = `
path "secret/app/*" { capabilities = ["read"] }
path "secret/app/env/*" { capabilities = ["update"] }
`;
    expect(capabilitiesFor([policy], 'secret/app/env/key')).toEqual(['update']);
  });

  // "If P1 is smaller lexicographically, it is lower priority"
  it('between patterns equal by every other rule, the lexicographically larger wins', () => {
    const policy = `
path "secret/+/+/c" { capabilities = ["read"] }
path "secret/+/b/+" { capabilities = ["update"] }
`;
    // same first wildcard, no trailing glob, two "+" and twelve characters each; "b" > "+"
    expect(capabilitiesFor([policy], 'secret/a/b/c')).toEqual(['update']);
  });

  it('a plain glob competes with segment wildcards by the same rules', () => {
    const policy = `
path "secret/+/*" { capabilities = ["read"] }
path "secret/x/*" { capabilities = ["update"] }
`;
    // the first wildcard of "secret/+/*" comes earlier, so it is the lower priority
    expect(capabilitiesFor([policy], 'secret/x/y')).toEqual(['update']);
  });

  // "Policy paths are matched using the most specific path match" and "deny ... takes
  // precedence over any other capability"
  it('deny in the winning rule overrides its other capabilities', () => {
    const policy = `path "secret/data/app" { capabilities = ["read", "deny"] }`;
    expect(capabilitiesFor([policy], 'secret/data/app')).toEqual(['deny']);
  });
});
