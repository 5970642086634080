import { RESERVED_VAULT_POLICY_NAMES, nameProblem } from './naming';
import {
  isInsideKvRoots,
  isServicePolicyName,
  isServiceRoleName,
  policyOwner,
  policyOwnershipMark,
  refreshIntervalProblem,
  resolveServiceAccountRef,
  serviceAccountNameFor,
  serviceEntityRef,
  serviceKvRoots,
} from './serviceAuthority';

describe('reserved policy names', () => {
  it.each(RESERVED_VAULT_POLICY_NAMES.map(n => [n]))(
    '%s is refused as a policy name',
    name => {
      expect(nameProblem('vaultPolicyName', name)).toMatch(/reserves/);
    },
  );
  it('lists the four names Vault keeps for itself', () => {
    expect([...RESERVED_VAULT_POLICY_NAMES].sort()).toEqual([
      'control-group',
      'default',
      'response-wrapping',
      'root',
    ]);
  });
});

describe('policy ownership mark', () => {
  const mark = policyOwnershipMark('component:default/orders');

  it.each([
    [`${mark}\npath "secret/data/orders/*" {}`, 'component:default/orders'],
    [`${mark}\r\npath "x" {}`, 'component:default/orders'],
    [`\uFEFF${mark}\n`, 'component:default/orders'],
    ['path "secret/data/orders/*" {}', undefined],
    [`\n${mark}`, undefined],
    [`path "x" {}\n${mark}`, undefined],
    [`${mark.replace('orders', 'Orders x')}`, undefined],
    ['# managed by someone else for component:default/orders', undefined],
    ['', undefined],
  ])('%j is owned by %s', (text, owner) => {
    expect(policyOwner(text)).toBe(owner);
  });
});

describe('serviceEntityRef', () => {
  it.each([
    ['orders', undefined, 'component:default/orders'],
    ['orders', 'component:payments/orders', 'component:payments/orders'],
    ['orders', 'Component:default/orders', 'component:default/orders'],
  ])('%s with %s is %s', (name, ref, wanted) => {
    expect(serviceEntityRef(name, ref)).toBe(wanted);
  });
  it.each([
    ['orders', 'component:default/payments', /not the service "orders"/],
    ['orders', 'group:default/orders', /not a Component entity ref/],
    ['orders', 'component:default/orders\n', /not a Component entity ref/],
    ['orders', 'orders', /not a Component entity ref/],
  ])('%s with %j is refused', (name, ref, problem) => {
    expect(serviceEntityRef(name, ref)).toEqual({
      problem: expect.stringMatching(problem),
    });
  });
});

describe('service policy and role names', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'orders.admin', true],
    ['orders', 'orders-admin', false],
    ['orders', 'ordersx', false],
    ['orders', 'payments', false],
    ['orders', 'default', false],
  ])('service %s, policy %s: %s', (service, policy, allowed) => {
    expect(isServicePolicyName(service, policy)).toBe(allowed);
  });
  it.each([
    ['orders', 'external-secrets-orders', true],
    ['orders', 'external-secrets-orders.v2', true],
    ['orders', 'external-secrets-orders-admin', false],
    ['orders', 'backstage', false],
    ['orders', 'orders', false],
  ])('service %s, role %s: %s', (service, role, allowed) => {
    expect(isServiceRoleName(service, role)).toBe(allowed);
  });
});

describe('KV roots', () => {
  const rules = [
    { mount: 'secret', roots: ['{name}', 'shared/{name}'] },
    { mount: 'kv', roots: ['teams/{name}'] },
  ];
  it('replaces {name} and only knows configured mounts', () => {
    expect(serviceKvRoots(rules, 'secret', 'orders')).toEqual([
      'orders',
      'shared/orders',
    ]);
    expect(serviceKvRoots(rules, 'kv', 'orders')).toEqual(['teams/orders']);
    expect(serviceKvRoots(rules, 'other', 'orders')).toBeUndefined();
  });
  it.each([
    ['orders', true, true],
    ['orders', false, false],
    ['orders/db', false, true],
    ['orders/a/b', false, true],
    ['shared/orders/db', false, true],
    ['orders-admin/db', false, false],
    ['ordersx', true, false],
    ['shared/payments/db', false, false],
    ['payments/db', false, false],
    ['shared', true, false],
  ])('%s (root allowed: %s) inside: %s', (key, allowRoot, inside) => {
    expect(
      isInsideKvRoots(key, ['orders', 'shared/orders'], { allowRoot }),
    ).toBe(inside);
  });
});

describe('service accounts', () => {
  it('derives the per-service account and resolves configured ones', () => {
    expect(serviceAccountNameFor('orders')).toBe('external-secrets-orders');
    expect(
      resolveServiceAccountRef(
        { name: 'eso-{name}', namespace: '{name}' },
        'orders',
      ),
    ).toEqual({ name: 'eso-orders', namespace: 'orders' });
  });
});

describe('refreshIntervalProblem', () => {
  const strict = { minimum: '1m', allowZero: false };
  it.each([
    ['1m', strict],
    ['2m', strict],
    ['1h30m', strict],
    ['0', { minimum: '1m', allowZero: true }],
    ['30s', { minimum: '10s', allowZero: false }],
  ])('accepts %j with %j', (value, limits) => {
    expect(refreshIntervalProblem(value, limits)).toBeUndefined();
  });
  it.each([
    ['59s', strict, /shorter than the minimum "1m"/],
    ['500ms', strict, /shorter/],
    ['0', strict, /allowZeroRefreshInterval/],
    ['soon', strict, /not a duration/],
    ['', strict, /not a duration/],
  ])('refuses %j with %j', (value, limits, problem) => {
    expect(refreshIntervalProblem(value, limits)).toMatch(problem);
  });
});
