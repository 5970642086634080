import {
  ApiException,
  AuthorizationV1Api,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { setupServer } from 'msw/node';
import protobuf from 'protobufjs';
import type { KubernetesEmulator } from './KubernetesEmulator';
import { kubernetesHandlers } from './mswHandlers';
import {
  TEST_ADMIN_TOKEN,
  createTestCluster,
  kubeConfigFor,
} from './__testUtils__/testCluster';

jest.setTimeout(30_000);

const server = setupServer();
const emulators: Array<{ close(): void }> = [];
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  emulators.splice(0).forEach(e => e.close());
});
afterAll(() => server.close());

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

/** A cluster where `payments/payments` may read ConfigMaps in `payments` and nothing else. */
async function setup() {
  const cluster = createTestCluster();
  emulators.push(cluster.emulator);
  server.use(...kubernetesHandlers(cluster.emulator));
  const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
  await cluster.core.createNamespace({
    body: { metadata: { name: 'payments' } },
  });
  await cluster.core.createNamespacedServiceAccount({
    namespace: 'payments',
    body: { metadata: { name: 'payments' } },
  });
  await rbac.createNamespacedRole({
    namespace: 'payments',
    body: {
      metadata: { name: 'settings-reader' },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps', 'serviceaccounts/token'],
          verbs: ['get', 'create'],
          resourceNames: ['settings', 'payments'],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: 'payments',
    body: {
      metadata: { name: 'settings-reader' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'settings-reader',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
      ],
    },
  });
  const token = await cluster.emulator.issueServiceAccountToken({
    namespace: 'payments',
    name: 'payments',
  });
  const asPayments = kubeConfigFor(cluster.emulator.url, token).makeApiClient(
    AuthorizationV1Api,
  );
  return {
    ...cluster,
    rbac,
    admin: cluster.kc.makeApiClient(AuthorizationV1Api),
    asPayments,
  };
}

describe('SelfSubjectAccessReview', () => {
  it('answers from the same RBAC that guards requests, with the reason', async () => {
    const { asPayments } = await setup();
    const allowed = await asPayments.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            namespace: 'payments',
            verb: 'get',
            resource: 'configmaps',
            name: 'settings',
          },
        },
      },
    });
    expect(allowed.status).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "settings-reader/payments" of Role "settings-reader" to ServiceAccount "payments/payments"',
    });
    expect(allowed.spec.resourceAttributes?.name).toBe('settings');

    const otherName = await asPayments.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            namespace: 'payments',
            verb: 'get',
            resource: 'configmaps',
            name: 'other',
          },
        },
      },
    });
    expect(otherName.status).toEqual({ allowed: false });

    const otherNamespace = await asPayments.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            namespace: 'orders',
            verb: 'get',
            resource: 'configmaps',
            name: 'settings',
          },
        },
      },
    });
    expect(otherNamespace.status?.allowed).toBe(false);
  });

  it('checks subresources and non-resource URLs', async () => {
    const { asPayments } = await setup();
    const review = (resourceAttributes: Record<string, string>) =>
      asPayments
        .createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes } },
        })
        .then(r => r.status?.allowed);
    expect(
      await review({
        namespace: 'payments',
        verb: 'create',
        resource: 'serviceaccounts',
        subresource: 'token',
        name: 'payments',
      }),
    ).toBe(true);
    // The rule names the subresource, not the parent resource.
    expect(
      await review({
        namespace: 'payments',
        verb: 'create',
        resource: 'serviceaccounts',
        name: 'payments',
      }),
    ).toBe(false);

    const nonResource = (path: string) =>
      asPayments
        .createSelfSubjectAccessReview({
          body: { spec: { nonResourceAttributes: { path, verb: 'get' } } },
        })
        .then(r => r.status?.allowed);
    // system:public-info-viewer and system:discovery grant these to every authenticated user
    expect(await nonResource('/version')).toBe(true);
    expect(await nonResource('/healthz')).toBe(true);
    expect(await nonResource('/metrics')).toBe(false);
  });

  it('allows everything to system:masters and rejects a spec that asks nothing or both', async () => {
    const { admin } = await setup();
    const everything = await admin.createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: { verb: 'delete', resource: 'secrets' },
        },
      },
    });
    expect(everything.status?.allowed).toBe(true);

    const empty = await failure(
      admin.createSelfSubjectAccessReview({ body: { spec: {} } }),
    );
    expect(empty.code).toBe(422);
    expect(body(empty).message).toBe(
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const both = await failure(
      admin.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: { verb: 'get', resource: 'secrets' },
            nonResourceAttributes: { verb: 'get', path: '/version' },
          },
        },
      }),
    );
    expect(body(both).message).toContain(
      'spec.nonResourceAttributes: Invalid value: ',
    );
  });
});

describe('SubjectAccessReview', () => {
  it('answers about the subject its spec names, for a requester allowed to ask (system:auth-delegator)', async () => {
    const { admin, asPayments, rbac } = await setup();
    const tokenReviews = {
      group: 'authentication.k8s.io',
      resource: 'tokenreviews',
      verb: 'create',
    };
    const payments = 'system:serviceaccount:payments:payments';
    // not bound to system:auth-delegator: may not review tokens
    const before = await admin.createSubjectAccessReview({
      body: { spec: { user: payments, resourceAttributes: tokenReviews } },
    });
    expect(before.kind).toBe('SubjectAccessReview');
    expect(before.status).toEqual({ allowed: false });
    // the subject's own rules, not the requester's: payments may get its ConfigMap
    const own = await admin.createSubjectAccessReview({
      body: {
        spec: {
          user: payments,
          resourceAttributes: {
            namespace: 'payments',
            verb: 'get',
            resource: 'configmaps',
            name: 'settings',
          },
        },
      },
    });
    expect(own.status?.allowed).toBe(true);

    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'payments-token-review' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:auth-delegator',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
        ],
      },
    });
    const after = await admin.createSubjectAccessReview({
      body: { spec: { user: payments, resourceAttributes: tokenReviews } },
    });
    expect(after.status).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "payments-token-review" of ClusterRole "system:auth-delegator" to ServiceAccount "payments/payments"',
    });

    // asking needs create on subjectaccessreviews, which now payments holds itself
    const asked = await asPayments.createSubjectAccessReview({
      body: {
        spec: {
          user: 'someone',
          groups: ['x'],
          resourceAttributes: tokenReviews,
        },
      },
    });
    expect(asked.status?.allowed).toBe(false);

    const nobody = await failure(
      admin.createSubjectAccessReview({
        body: { spec: { resourceAttributes: tokenReviews } },
      }),
    );
    expect(nobody.code).toBe(422);
    expect(body(nobody).message).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  });

  it('is forbidden to a requester without create on subjectaccessreviews', async () => {
    const { asPayments } = await setup();
    const refused = await failure(
      asPayments.createSubjectAccessReview({
        body: {
          spec: {
            user: 'system:serviceaccount:payments:payments',
            resourceAttributes: { verb: 'get', resource: 'secrets' },
          },
        },
      }),
    );
    expect(refused.code).toBe(403);
    expect(body(refused).message).toContain(
      'cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
    );
  });
});

describe('SelfSubjectRulesReview', () => {
  it('lists the rules the user holds in a namespace, cluster-wide ones included', async () => {
    const { asPayments } = await setup();
    const review = await asPayments.createSelfSubjectRulesReview({
      body: { spec: { namespace: 'payments' } },
    });
    expect(review.status?.incomplete).toBe(false);
    expect(review.status?.resourceRules).toContainEqual({
      verbs: ['get', 'create'],
      apiGroups: [''],
      resources: ['configmaps', 'serviceaccounts/token'],
      resourceNames: ['settings', 'payments'],
    });
    expect(review.status?.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    });
    expect(review.status?.nonResourceRules).toContainEqual(
      expect.objectContaining({
        verbs: ['get'],
        nonResourceURLs: expect.arrayContaining(['/version']),
      }),
    );

    const elsewhere = await asPayments.createSelfSubjectRulesReview({
      body: { spec: { namespace: 'orders' } },
    });
    expect(
      elsewhere.status?.resourceRules.some(r =>
        r.resources?.includes('configmaps'),
      ),
    ).toBe(false);
  });

  it('reports a binding to a missing role as incomplete, and needs a namespace', async () => {
    const { rbac, asPayments, admin } = await setup();
    await rbac.createNamespacedRoleBinding({
      namespace: 'payments',
      body: {
        metadata: { name: 'dangling' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'gone',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'payments', namespace: 'payments' },
        ],
      },
    });
    const review = await asPayments.createSelfSubjectRulesReview({
      body: { spec: { namespace: 'payments' } },
    });
    expect(review.status).toMatchObject({
      incomplete: true,
      evaluationError: 'role.rbac.authorization.k8s.io "gone" not found',
    });

    const missing = await failure(
      admin.createSelfSubjectRulesReview({ body: { spec: {} } }),
    );
    expect(missing.code).toBe(400);
    expect(body(missing).message).toBe('no namespace on request');
  });
});

describe('protobuf reviews (what kubectl auth can-i posts)', () => {
  /** `k8s\0` + runtime.Unknown{typeMeta, raw}, written field by field as client-go does. */
  function envelope(kind: string, raw: Uint8Array): Uint8Array {
    const typeMeta = protobuf.Writer.create()
      .uint32(10)
      .string('authorization.k8s.io/v1')
      .uint32(18)
      .string(kind)
      .finish();
    const unknown = protobuf.Writer.create()
      .uint32(10)
      .bytes(typeMeta)
      .uint32(18)
      .bytes(raw)
      .finish();
    return Buffer.concat([Buffer.from('k8s\0', 'binary'), unknown]);
  }

  const post = (
    emulator: KubernetesEmulator,
    plural: string,
    bytes: Uint8Array,
    token: string,
  ) =>
    emulator.handle({
      method: 'POST',
      path: `/apis/authorization.k8s.io/v1/${plural}`,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/vnd.kubernetes.protobuf',
        accept: 'application/vnd.kubernetes.protobuf,application/json',
      },
      bodyBytes: bytes,
    });

  it('decodes a SelfSubjectAccessReview and answers it in JSON', async () => {
    const { emulator } = await setup();
    const token = await emulator.issueServiceAccountToken({
      namespace: 'payments',
      name: 'payments',
    });
    const attributes = (verb: string) =>
      protobuf.Writer.create()
        .uint32(10)
        .string('payments')
        .uint32(18)
        .string(verb)
        .uint32(42)
        .string('configmaps')
        .uint32(58)
        .string('settings')
        .finish();
    const review = (verb: string) =>
      envelope(
        'SelfSubjectAccessReview',
        protobuf.Writer.create()
          .uint32(18)
          .bytes(
            protobuf.Writer.create()
              .uint32(10)
              .bytes(attributes(verb))
              .finish(),
          )
          .finish(),
      );
    const allowed = await post(
      emulator,
      'selfsubjectaccessreviews',
      review('get'),
      token,
    );
    expect(allowed.status).toBe(201);
    expect((allowed.body as any).status.allowed).toBe(true);
    const denied = await post(
      emulator,
      'selfsubjectaccessreviews',
      review('delete'),
      token,
    );
    expect((denied.body as any).status).toEqual({ allowed: false });
  });

  it('decodes a SelfSubjectRulesReview, and refuses bytes that are not protobuf', async () => {
    const { emulator } = await setup();
    const rules = await post(
      emulator,
      'selfsubjectrulesreviews',
      envelope(
        'SelfSubjectRulesReview',
        protobuf.Writer.create()
          .uint32(18)
          .bytes(
            protobuf.Writer.create().uint32(10).string('payments').finish(),
          )
          .finish(),
      ),
      TEST_ADMIN_TOKEN,
    );
    expect(rules.status).toBe(201);
    expect((rules.body as any).spec).toEqual({ namespace: 'payments' });

    const garbage = await post(
      emulator,
      'selfsubjectaccessreviews',
      Buffer.from('{"spec":{}}'),
      TEST_ADMIN_TOKEN,
    );
    expect(garbage.status).toBe(400);
    expect((garbage.body as any).message).toContain(
      'does not appear to be a protobuf message',
    );
  });
});
