import {
  AuthorizationAttributes,
  PolicyRule,
  ruleAllows,
  serviceAccountOf,
  serviceAccountUser,
  subjectAppliesTo,
  uncoveredRules,
} from './rbacRules';
import { requestAttributes } from './requestAttributes';

const alice = { username: 'alice', groups: ['system:authenticated'] };

function resource(
  verb: string,
  plural: string,
  extra: Partial<AuthorizationAttributes> = {},
): AuthorizationAttributes {
  return {
    user: alice,
    verb,
    resourceRequest: true,
    apiGroup: '',
    resource: plural,
    ...extra,
  };
}

describe('ruleAllows', () => {
  const cases: Array<[string, PolicyRule, AuthorizationAttributes, boolean]> = [
    [
      'exact verb, group and resource',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      resource('get', 'pods'),
      true,
    ],
    [
      'another verb',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      resource('list', 'pods'),
      false,
    ],
    [
      'verb wildcard',
      { verbs: ['*'], apiGroups: [''], resources: ['pods'] },
      resource('deletecollection', 'pods'),
      true,
    ],
    [
      'another API group',
      { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] },
      resource('get', 'pods'),
      false,
    ],
    [
      'group wildcard',
      { verbs: ['list'], apiGroups: ['*'], resources: ['externalsecrets'] },
      resource('list', 'externalsecrets', {
        apiGroup: 'external-secrets.io',
      }),
      true,
    ],
    [
      'a resource rule does not grant its subresource',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      resource('get', 'pods', { subresource: 'log' }),
      false,
    ],
    [
      'the subresource by name',
      { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
      resource('get', 'pods', { subresource: 'log' }),
      true,
    ],
    [
      '*/subresource',
      { verbs: ['create'], apiGroups: [''], resources: ['*/token'] },
      resource('create', 'serviceaccounts', { subresource: 'token' }),
      true,
    ],
    [
      'resource/* is not a wildcard',
      { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/*'] },
      resource('create', 'serviceaccounts', { subresource: 'token' }),
      false,
    ],
    [
      '* covers subresources',
      { verbs: ['create'], apiGroups: [''], resources: ['*'] },
      resource('create', 'serviceaccounts', { subresource: 'token' }),
      true,
    ],
    [
      'resourceNames: the named object',
      {
        verbs: ['get'],
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['vault-ca'],
      },
      resource('get', 'configmaps', { name: 'vault-ca' }),
      true,
    ],
    [
      'resourceNames: another object',
      {
        verbs: ['get'],
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['vault-ca'],
      },
      resource('get', 'configmaps', { name: 'other' }),
      false,
    ],
    [
      'resourceNames: an unnamed list',
      {
        verbs: ['list'],
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['vault-ca'],
      },
      resource('list', 'configmaps'),
      false,
    ],
    [
      'non-resource URL, exact',
      { verbs: ['get'], nonResourceURLs: ['/version'] },
      { user: alice, verb: 'get', resourceRequest: false, path: '/version' },
      true,
    ],
    [
      'non-resource URL, prefix',
      { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
      {
        user: alice,
        verb: 'get',
        resourceRequest: false,
        path: '/apis/external-secrets.io/v1',
      },
      true,
    ],
    [
      'non-resource URL rules grant no resources',
      { verbs: ['get'], nonResourceURLs: ['*'] },
      resource('get', 'secrets'),
      false,
    ],
    [
      'resource rules grant no URLs',
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { user: alice, verb: 'get', resourceRequest: false, path: '/healthz' },
      false,
    ],
  ];
  it.each(cases)('%s', (_name, rule, attributes, allowed) => {
    expect(ruleAllows(attributes, rule)).toBe(allowed);
  });
});

describe('requestAttributes', () => {
  const q = (text = '') => new URLSearchParams(text);
  it.each([
    [
      'GET',
      '/api/v1/namespaces/a/secrets/s',
      '',
      {
        verb: 'get',
        resource: 'secrets',
        namespace: 'a',
        name: 's',
        apiGroup: '',
      },
    ],
    ['GET', '/api/v1/secrets', '', { verb: 'list', resource: 'secrets' }],
    [
      'GET',
      '/api/v1/secrets',
      'watch=true',
      { verb: 'watch', resource: 'secrets' },
    ],
    [
      'GET',
      '/api/v1/namespaces/a/secrets',
      'fieldSelector=metadata.name%3Ds',
      { verb: 'list', name: 's', namespace: 'a' },
    ],
    [
      'DELETE',
      '/api/v1/namespaces/a/secrets',
      '',
      { verb: 'deletecollection' },
    ],
    [
      'POST',
      '/api/v1/namespaces/a/serviceaccounts/x/token',
      '',
      {
        verb: 'create',
        resource: 'serviceaccounts',
        subresource: 'token',
        name: 'x',
      },
    ],
    [
      'PUT',
      '/apis/external-secrets.io/v1/namespaces/a/externalsecrets/e/status',
      '',
      {
        verb: 'update',
        apiGroup: 'external-secrets.io',
        apiVersion: 'v1',
        resource: 'externalsecrets',
        subresource: 'status',
      },
    ],
    [
      'PATCH',
      '/apis/external-secrets.io/v1/clustersecretstores/c',
      '',
      { verb: 'patch', resource: 'clustersecretstores', name: 'c' },
    ],
    [
      'GET',
      '/api/v1/namespaces/a',
      '',
      { verb: 'get', resource: 'namespaces', name: 'a', namespace: 'a' },
    ],
  ])('%s %s?%s', (method, path, query, expected) => {
    expect(requestAttributes(alice, method, path, q(query))).toMatchObject({
      resourceRequest: true,
      ...expected,
    });
  });

  it.each([
    ['GET', '/version', 'get'],
    ['GET', '/api', 'get'],
    ['GET', '/api/v1', 'get'],
    ['GET', '/apis/external-secrets.io/v1', 'get'],
    ['POST', '/healthz', 'post'],
  ])('%s %s is a non-resource request', (method, path, verb) => {
    expect(requestAttributes(alice, method, path, q())).toEqual({
      user: alice,
      verb,
      resourceRequest: false,
      path,
    });
  });
});

describe('subjects', () => {
  const sa = serviceAccountUser('payments', 'payments');

  it('gives service accounts their user name and groups', () => {
    expect(sa).toEqual({
      username: 'system:serviceaccount:payments:payments',
      groups: [
        'system:serviceaccounts',
        'system:serviceaccounts:payments',
        'system:authenticated',
      ],
    });
    expect(serviceAccountOf(sa.username)).toEqual({
      namespace: 'payments',
      name: 'payments',
    });
    expect(serviceAccountOf('alice')).toBeUndefined();
  });

  it.each([
    [{ kind: 'User', name: 'alice' }, alice, '', true],
    [{ kind: 'User', name: 'bob' }, alice, '', false],
    [{ kind: 'Group', name: 'system:serviceaccounts:payments' }, sa, '', true],
    [
      { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
      sa,
      '',
      true,
    ],
    [{ kind: 'ServiceAccount', name: 'payments' }, sa, 'payments', true],
    [{ kind: 'ServiceAccount', name: 'payments' }, sa, 'other', false],
    [{ kind: 'ServiceAccount', name: 'payments' }, sa, '', false],
  ])('%j applies to %j in %j: %s', (subject, user, namespace, applies) => {
    expect(subjectAppliesTo(user, subject, namespace)).toBe(applies);
  });
});

describe('uncoveredRules (escalation check)', () => {
  const admin: PolicyRule[] = [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  ];
  const reader: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] },
    { verbs: ['create'], apiGroups: [''], resources: ['*/token'] },
  ];

  it('lets an owner of * grant anything', () => {
    expect(
      uncoveredRules(admin, [
        { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
      ]),
    ).toEqual([]);
  });

  it('names exactly what the owner does not hold', () => {
    expect(
      uncoveredRules(reader, [
        {
          verbs: ['get', 'watch'],
          apiGroups: [''],
          resources: ['configmaps', 'serviceaccounts/token'],
        },
      ]),
    ).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['serviceaccounts/token'] },
      { verbs: ['watch'], apiGroups: [''], resources: ['configmaps'] },
      {
        verbs: ['watch'],
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
      },
    ]);
    expect(
      uncoveredRules(reader, [
        { verbs: ['create'], apiGroups: [''], resources: ['pods/token'] },
      ]),
    ).toEqual([]);
  });

  it('treats a wildcard asked for as a wildcard only an owner of it covers', () => {
    expect(
      uncoveredRules(reader, [
        { verbs: ['*'], apiGroups: [''], resources: ['configmaps'] },
      ]),
    ).toHaveLength(1);
  });

  it('covers named objects by unnamed rules, not the other way round', () => {
    const named: PolicyRule = {
      verbs: ['get'],
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['vault-ca'],
    };
    expect(uncoveredRules(reader, [named])).toEqual([]);
    expect(
      uncoveredRules(
        [named],
        [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }],
      ),
    ).toHaveLength(1);
  });
});
