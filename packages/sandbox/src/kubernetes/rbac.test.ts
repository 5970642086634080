import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObject,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { setupServer } from 'msw/node';
import { kubernetesHandlers } from './mswHandlers';
import { createTestCluster, kubeConfigFor } from './__testUtils__/testCluster';

jest.setTimeout(30_000);

const server = setupServer();
const emulators: Array<{ close(): void }> = [];
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  emulators.splice(0).forEach(e => e.close());
});
afterAll(() => server.close());

const RBAC = 'rbac.authorization.k8s.io';

async function failure(promise: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await promise;
  } catch (error) {
    return error as ApiException<any>;
  }
  throw new Error('expected the request to fail');
}

function body(error: ApiException<any>) {
  return typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
}

async function setup() {
  const cluster = createTestCluster();
  emulators.push(cluster.emulator);
  server.use(...kubernetesHandlers(cluster.emulator));
  const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
  for (const name of ['payments', 'orders']) {
    await cluster.core.createNamespace({ body: { metadata: { name } } });
    await cluster.core.createNamespacedServiceAccount({
      namespace: name,
      body: { metadata: { name } },
    });
    await cluster.core.createNamespacedConfigMap({
      namespace: name,
      body: { metadata: { name: 'settings' }, data: { a: 'b' } },
    });
  }
  const as = async (namespace: string, name: string) => {
    const token = await cluster.emulator.issueServiceAccountToken({
      namespace,
      name,
    });
    const kc = kubeConfigFor(cluster.emulator.url, token);
    return {
      token,
      core: kc.makeApiClient(CoreV1Api),
      custom: kc.makeApiClient(CustomObjectsApi),
      rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    };
  };
  return { ...cluster, rbac, as };
}

describe('RBAC in the Kubernetes emulator', () => {
  it('answers a request no rule allows with the API server’s Forbidden status', async () => {
    const cluster = await setup();
    const payments = await cluster.as('payments', 'payments');

    const denied = await failure(
      payments.core.readNamespacedSecret({ namespace: 'orders', name: 'db' }),
    );
    expect(denied.code).toBe(403);
    expect(body(denied)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'secrets "db" is forbidden: User "system:serviceaccount:payments:payments" cannot get resource "secrets" in API group "" in the namespace "orders"',
      reason: 'Forbidden',
      details: { name: 'db', kind: 'secrets' },
      code: 403,
    });

    const list = await failure(
      payments.custom.listClusterCustomObject({
        group: 'external-secrets.io',
        version: 'v1',
        plural: 'externalsecrets',
      }),
    );
    expect(body(list)).toMatchObject({
      message:
        'externalsecrets.external-secrets.io is forbidden: User "system:serviceaccount:payments:payments" cannot list resource "externalsecrets" in API group "external-secrets.io" at the cluster scope',
      details: { group: 'external-secrets.io', kind: 'externalsecrets' },
    });

    const token = await failure(
      payments.core.createNamespacedServiceAccountToken({
        namespace: 'orders',
        name: 'orders',
        body: { spec: { audiences: ['vault'] } },
      }),
    );
    expect(body(token).message).toBe(
      'serviceaccounts "orders" is forbidden: User "system:serviceaccount:payments:payments" cannot create resource "serviceaccounts/token" in API group "" in the namespace "orders"',
    );
  });

  it('grants a ClusterRole through a RoleBinding in that namespace only', async () => {
    const cluster = await setup();
    await cluster.rbac.createClusterRole({
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [
          {
            apiGroups: [''],
            resources: ['configmaps'],
            verbs: ['get', 'list'],
          },
        ],
      },
    });
    await cluster.rbac.createNamespacedRoleBinding({
      namespace: 'payments',
      body: {
        metadata: { name: 'read-config' },
        roleRef: {
          apiGroup: RBAC,
          kind: 'ClusterRole',
          name: 'configmap-reader',
        },
        subjects: [{ kind: 'ServiceAccount', name: 'payments' }],
      },
    });
    const payments = await cluster.as('payments', 'payments');
    await expect(
      payments.core.readNamespacedConfigMap({
        namespace: 'payments',
        name: 'settings',
      }),
    ).resolves.toMatchObject({ data: { a: 'b' } });
    expect(
      (
        await failure(
          payments.core.readNamespacedConfigMap({
            namespace: 'orders',
            name: 'settings',
          }),
        )
      ).code,
    ).toBe(403);
    expect(
      (await failure(payments.core.listConfigMapForAllNamespaces())).code,
    ).toBe(403);
    // the same account in another namespace is another user
    const orders = await cluster.as('orders', 'orders');
    expect(
      (
        await failure(
          orders.core.readNamespacedConfigMap({
            namespace: 'payments',
            name: 'settings',
          }),
        )
      ).code,
    ).toBe(403);
  });

  it('limits resourceNames rules to the named object, for get and for a list pinned by name', async () => {
    const cluster = await setup();
    await cluster.rbac.createNamespacedRole({
      namespace: 'payments',
      body: {
        metadata: { name: 'settings-only' },
        rules: [
          {
            apiGroups: [''],
            resources: ['configmaps'],
            resourceNames: ['settings'],
            verbs: ['get', 'list'],
          },
        ],
      },
    });
    await cluster.rbac.createNamespacedRoleBinding({
      namespace: 'payments',
      body: {
        metadata: { name: 'settings-only' },
        roleRef: { apiGroup: RBAC, kind: 'Role', name: 'settings-only' },
        subjects: [
          { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
        ],
      },
    });
    const payments = await cluster.as('payments', 'payments');
    await payments.core.readNamespacedConfigMap({
      namespace: 'payments',
      name: 'settings',
    });
    const pinned = await payments.core.listNamespacedConfigMap({
      namespace: 'payments',
      fieldSelector: 'metadata.name=settings',
    });
    expect(pinned.items.map(i => i.metadata?.name)).toEqual(['settings']);
    expect(
      (
        await failure(
          payments.core.listNamespacedConfigMap({ namespace: 'payments' }),
        )
      ).code,
    ).toBe(403);
    expect(
      (
        await failure(
          payments.core.readNamespacedConfigMap({
            namespace: 'payments',
            name: 'other',
          }),
        )
      ).code,
    ).toBe(403);
  });

  it('grants subresources only by name, and TokenRequest needs serviceaccounts/token', async () => {
    const cluster = await setup();
    await cluster.rbac.createClusterRole({
      body: {
        metadata: { name: 'token-maker' },
        rules: [
          {
            apiGroups: [''],
            resources: ['serviceaccounts'],
            verbs: ['create', 'get'],
          },
        ],
      },
    });
    await cluster.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'token-maker' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'token-maker' },
        subjects: [
          { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
        ],
      },
    });
    const payments = await cluster.as('payments', 'payments');
    const request = () =>
      payments.core.createNamespacedServiceAccountToken({
        namespace: 'orders',
        name: 'orders',
        body: { spec: { audiences: ['vault'], expirationSeconds: 600 } },
      });
    expect((await failure(request())).code).toBe(403);

    await cluster.rbac.replaceClusterRole({
      name: 'token-maker',
      body: {
        metadata: { name: 'token-maker' },
        rules: [
          {
            apiGroups: [''],
            resources: ['serviceaccounts/token'],
            verbs: ['create'],
          },
        ],
      },
    });
    const issued = await request();
    expect(issued.spec).toMatchObject({
      audiences: ['vault'],
      expirationSeconds: 600,
    });
    expect(issued.status?.token).toMatch(/^ey/);
  });

  it('appends what the authorizer met on the way, such as a binding to a missing role', async () => {
    const cluster = await setup();
    await cluster.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'dangling' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'not-there' },
        subjects: [
          { kind: 'Group', apiGroup: RBAC, name: 'system:serviceaccounts' },
        ],
      },
    });
    const payments = await cluster.as('payments', 'payments');
    const denied = await failure(
      payments.core.listNamespacedSecret({ namespace: 'payments' }),
    );
    expect(body(denied).message).toBe(
      'secrets is forbidden: User "system:serviceaccount:payments:payments" cannot list resource "secrets" in API group "" in the namespace "payments": RBAC: clusterrole.rbac.authorization.k8s.io "not-there" not found',
    );
  });

  it('gives every user discovery, and only /version and health to anonymous clients', async () => {
    const cluster = await setup();
    const payments = await cluster.as('payments', 'payments');
    const get = (path: string, token?: string) =>
      fetch(`${cluster.emulator.url}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect(
      (await get('/apis/external-secrets.io/v1', payments.token)).status,
    ).toBe(200);
    expect((await get('/version')).status).toBe(200);
    expect((await get('/api')).status).toBe(401);
  });

  it('authorizes static tokens by the user they name', async () => {
    const cluster = createTestCluster({
      tokens: [
        'admin-token',
        { token: 'alice-token', username: 'alice', groups: ['developers'] },
      ],
    });
    emulators.push(cluster.emulator);
    server.use(...kubernetesHandlers(cluster.emulator));
    const alice = kubeConfigFor(
      cluster.emulator.url,
      'alice-token',
    ).makeApiClient(CoreV1Api);
    expect(body(await failure(alice.listNamespace())).message).toBe(
      'namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
    const admin = kubeConfigFor(
      cluster.emulator.url,
      'admin-token',
    ).makeApiClient(RbacAuthorizationV1Api);
    await admin.createClusterRoleBinding({
      body: {
        metadata: { name: 'developers-admin' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'developers' }],
      },
    });
    await expect(alice.listNamespace()).resolves.toMatchObject({
      kind: 'NamespaceList',
    });
  });

  it('refuses to let a user grant or bind permissions it does not hold', async () => {
    const cluster = await setup();
    await cluster.rbac.createNamespacedRole({
      namespace: 'payments',
      body: {
        metadata: { name: 'rbac-editor' },
        rules: [
          {
            apiGroups: [RBAC],
            resources: ['roles', 'rolebindings'],
            verbs: ['create', 'get', 'update'],
          },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        ],
      },
    });
    await cluster.rbac.createNamespacedRoleBinding({
      namespace: 'payments',
      body: {
        metadata: { name: 'rbac-editor' },
        roleRef: { apiGroup: RBAC, kind: 'Role', name: 'rbac-editor' },
        subjects: [{ kind: 'ServiceAccount', name: 'payments' }],
      },
    });
    const payments = await cluster.as('payments', 'payments');
    const escalation = await failure(
      payments.rbac.createNamespacedRole({
        namespace: 'payments',
        body: {
          metadata: { name: 'read-secrets' },
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
        },
      }),
    );
    expect(escalation.code).toBe(403);
    expect(body(escalation).message).toBe(
      'roles.rbac.authorization.k8s.io "read-secrets" is forbidden: user "system:serviceaccount:payments:payments" (groups=["system:serviceaccounts" "system:serviceaccounts:payments" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    const bindAdmin = await failure(
      payments.rbac.createNamespacedRoleBinding({
        namespace: 'payments',
        body: {
          metadata: { name: 'me-admin' },
          roleRef: {
            apiGroup: RBAC,
            kind: 'ClusterRole',
            name: 'cluster-admin',
          },
          subjects: [{ kind: 'ServiceAccount', name: 'payments' }],
        },
      }),
    );
    expect(bindAdmin.code).toBe(403);
    // what it holds it may pass on
    await payments.rbac.createNamespacedRole({
      namespace: 'payments',
      body: {
        metadata: { name: 'read-config' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
    });
    expect(
      cluster.emulator.objects
        .list(cluster.emulator.type('roles'), 'payments')
        .map(r => r.metadata.name)
        .sort(),
    ).toEqual(['rbac-editor', 'read-config']);
  });

  it('validates roles and bindings as the API server does, and keeps roleRef immutable', async () => {
    const cluster = await setup();
    const bad = await failure(
      cluster.objects.create({
        apiVersion: `${RBAC}/v1`,
        kind: 'Role',
        metadata: { name: 'bad', namespace: 'payments' },
        rules: [{ verbs: [], nonResourceURLs: ['/healthz'] }],
      } as KubernetesObject),
    );
    expect(bad.code).toBe(422);
    expect(body(bad).message).toBe(
      'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs]',
    );
    await cluster.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'fixed' },
        roleRef: {
          apiGroup: RBAC,
          kind: 'ClusterRole',
          name: 'system:basic-user',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
        ],
      },
    });
    const changed = await failure(
      cluster.rbac.replaceClusterRoleBinding({
        name: 'fixed',
        body: {
          metadata: { name: 'fixed' },
          roleRef: {
            apiGroup: RBAC,
            kind: 'ClusterRole',
            name: 'cluster-admin',
          },
          subjects: [
            { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
          ],
        },
      }),
    );
    expect(body(changed).message).toBe(
      'ClusterRoleBinding.rbac.authorization.k8s.io "fixed" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"cluster-admin"}: cannot change roleRef',
    );
    const noNamespace = await failure(
      cluster.rbac.createClusterRoleBinding({
        body: {
          metadata: { name: 'no-namespace' },
          roleRef: { apiGroup: RBAC, kind: 'Role', name: 'x' },
          subjects: [{ kind: 'ServiceAccount', name: 'payments' }],
        },
      }),
    );
    expect(body(noNamespace).details.causes).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'roleRef.kind',
        message: 'Unsupported value: "Role": supported values: "ClusterRole"',
      },
      {
        reason: 'FieldValueRequired',
        field: 'subjects[0].namespace',
        message: 'Required value',
      },
    ]);
  });

  it('serves TokenReview to accounts bound to system:auth-delegator only', async () => {
    const cluster = await setup();
    const reviewer = await cluster.as('payments', 'payments');
    const reviewed = await cluster.emulator.issueServiceAccountToken({
      namespace: 'orders',
      name: 'orders',
      audiences: ['vault'],
    });
    const review = (audiences?: string[]) =>
      fetch(
        `${cluster.emulator.url}/apis/authentication.k8s.io/v1/tokenreviews`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${reviewer.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            spec: { token: reviewed, audiences },
          }),
        },
      );
    const denied = await review(['vault']);
    expect(denied.status).toBe(403);
    expect((await denied.json()).message).toBe(
      'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:payments:payments" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
    );

    cluster.emulator.grantTokenReview('payments', 'payments');
    const allowed = await review(['vault']);
    expect(allowed.status).toBe(201);
    expect((await allowed.json()).status).toEqual({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:orders:orders',
        uid: expect.any(String),
        groups: [
          'system:serviceaccounts',
          'system:serviceaccounts:orders',
          'system:authenticated',
        ],
      },
      audiences: ['vault'],
    });
    const wrongAudience = await (await review()).json();
    expect(wrongAudience.status.authenticated).toBeUndefined();
    expect(wrongAudience.status.error).toContain('invalid bearer token');

    cluster.emulator.revokeTokenReview('payments', 'payments');
    expect((await review(['vault'])).status).toBe(403);
  });

  it('does not accept a token made for another audience as an API credential', async () => {
    const cluster = await setup();
    const forVault = await cluster.emulator.issueServiceAccountToken({
      namespace: 'payments',
      name: 'payments',
      audiences: ['vault'],
    });
    const core = kubeConfigFor(cluster.emulator.url, forVault).makeApiClient(
      CoreV1Api,
    );
    expect((await failure(core.listNamespace())).code).toBe(401);
  });
});
