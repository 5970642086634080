import { setupServer } from 'msw/node';
import NodeVault from 'node-vault';
import {
  KubeObject,
  KubernetesApiError,
  KubernetesEmulator,
  serviceAccountUser,
} from '../kubernetes';
import { createTokenReviewer } from '../kubernetes/tokenReview';
import { VaultEmulator, vaultHandlers } from '../vault';
import { createTestCaPem } from '../vault/testCertificate';
import { EsoController } from './EsoController';
import { installEso } from './installEso';
import { configureKubernetesAuth } from './__testUtils__/kubernetesAuth';

// Key generation and the emulators are slow on the shared test machine.
jest.setTimeout(60_000);

const VAULT_URL = 'https://vault.tenancy.test:8200';
const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const CLUSTER_CA = createTestCaPem('tenancy-cluster-ca');
const VAULT_CA = createTestCaPem('tenancy-vault-ca');
const PAYMENTS_SA = 'external-secrets-payments';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const RBAC = 'rbac.authorization.k8s.io';

function vaultProvider(auth: Record<string, unknown>) {
  return {
    server: VAULT_URL,
    path: 'secret',
    version: 'v2',
    caBundle: Buffer.from(VAULT_CA).toString('base64'),
    auth: { kubernetes: { mountPath: 'kubernetes', ...auth } },
  };
}

/**
 * One cluster with two tenants: `payments`, set up as the template renders a service (its own
 * account `payments/external-secrets-payments`, a role bound to exactly that account, a
 * ClusterSecretStore limited to its namespace), and `intruder`, which would like its secrets.
 */
async function setup(options: { serviceAccountTokenCreate?: boolean } = {}) {
  let clock = new Date('2026-03-01T10:00:00Z');
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.tenancy.test:6443',
    caCertPem: CLUSTER_CA,
    now: () => clock,
  });
  const vault = new VaultEmulator({
    tokenReviewer: createTokenReviewer(cluster),
  });
  server.use(...vaultHandlers(vault, VAULT_URL));
  const root = NodeVault({
    endpoint: VAULT_URL,
    token: vault.rootToken,
    noCustomHTTPVerbs: true,
  });
  const t = (plural: string) => cluster.type(plural);
  await installEso(cluster, {
    namespace: 'external-secrets',
    serviceAccountName: 'external-secrets',
    serviceAccountTokenCreate: options.serviceAccountTokenCreate,
  });
  for (const name of ['vault', 'payments', 'intruder']) {
    await cluster.objects.create(t('namespaces'), undefined, {
      metadata: { name, labels: { team: name } },
    });
  }
  await configureKubernetesAuth(cluster, root, CLUSTER_CA);
  await cluster.objects.create(t('serviceaccounts'), 'payments', {
    metadata: { name: PAYMENTS_SA },
    automountServiceAccountToken: false,
  });

  await root.write('secret/data/payments/db', {
    data: { password: 'payments-only' },
  });
  await root.write('sys/policies/acl/payments', {
    policy: 'path "secret/data/payments/*" { capabilities = ["read"] }',
  });
  const bindRole = (names: string[], namespaces: string[]) =>
    root.write('auth/kubernetes/role/external-secrets-payments', {
      bound_service_account_names: names,
      bound_service_account_namespaces: namespaces,
      audience: AUDIENCE,
      token_policies: ['payments'],
      token_ttl: '1h',
    });
  await bindRole([PAYMENTS_SA], ['payments']);

  await cluster.objects.create(t('clustersecretstores'), undefined, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault-payments' },
    spec: {
      provider: {
        vault: vaultProvider({
          role: 'external-secrets-payments',
          serviceAccountRef: {
            name: PAYMENTS_SA,
            namespace: 'payments',
            audiences: [AUDIENCE],
          },
        }),
      },
      conditions: [{ namespaces: ['payments'] }],
    },
  });

  const externalSecret = (
    namespace: string,
    store: { kind: string; name: string },
  ) =>
    cluster.objects.create(t('externalsecrets'), namespace, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db' },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: store,
        target: { name: 'db', creationPolicy: 'Owner' },
        data: [
          {
            secretKey: 'password',
            remoteRef: { key: 'payments/db', property: 'password' },
          },
        ],
      },
    });
  const secretStore = (
    namespace: string,
    name: string,
    auth: Record<string, unknown>,
  ) =>
    cluster.objects.create(t('secretstores'), namespace, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name },
      spec: { provider: { vault: vaultProvider(auth) } },
    });

  const controller = new EsoController({ cluster, now: () => clock });
  const get = (plural: string, namespace: string | undefined, name: string) => {
    try {
      return cluster.objects.get(t(plural), namespace, name);
    } catch {
      return undefined;
    }
  };
  const ready = (object: KubeObject | undefined) =>
    ((object?.status as any)?.conditions ?? []).find(
      (c: any) => c.type === 'Ready',
    );
  const warnings = (kind: string, namespace: string, name: string) =>
    cluster.objects
      .list(t('events'), namespace)
      .filter(
        e =>
          e.type === 'Warning' &&
          (e.involvedObject as any).kind === kind &&
          (e.involvedObject as any).name === name,
      )
      .map(e => e.message as string);
  return {
    cluster,
    root,
    controller,
    bindRole,
    externalSecret,
    secretStore,
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
    sync: () => controller.reconcileAll(),
    ready: (plural: string, namespace: string | undefined, name: string) =>
      ready(get(plural, namespace, name)),
    secret: (namespace: string) => get('secrets', namespace, 'db'),
    warnings,
    t,
  };
}

const paymentsStore = { kind: 'ClusterSecretStore', name: 'vault-payments' };

describe('ESO tenancy in the sandbox', () => {
  it('syncs the service that owns the store, with a token of its own account', async () => {
    const env = await setup();
    await env.externalSecret('payments', paymentsStore);
    await env.sync();

    expect(
      env.ready('clustersecretstores', undefined, 'vault-payments'),
    ).toMatchObject({
      status: 'True',
      reason: 'Valid',
    });
    expect(env.ready('externalsecrets', 'payments', 'db')).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
    });
    const secret = env.secret('payments');
    expect(
      Buffer.from((secret?.data as any).password, 'base64').toString(),
    ).toBe('payments-only');
  });

  it('refuses an ExternalSecret in another namespace that names the store, with ESO’s message', async () => {
    const env = await setup();
    await env.externalSecret('intruder', paymentsStore);
    await env.sync();

    expect(env.ready('externalsecrets', 'intruder', 'db')).toMatchObject({
      status: 'False',
      reason: 'SecretSyncedError',
      message: 'could not get secret data from provider',
    });
    expect(env.warnings('ExternalSecret', 'intruder', 'db')).toEqual([
      'error processing spec.data[0] (key: payments/db), err: using cluster store "vault-payments" is not allowed from namespace "intruder": denied by spec.condition',
    ]);
    expect(env.secret('intruder')).toBeUndefined();
  });

  it.each([
    ['namespaces', { namespaces: ['payments'] }, false],
    [
      'a namespaceSelector',
      { namespaceSelector: { matchLabels: { team: 'payments' } } },
      false,
    ],
    [
      'a namespaceSelector expression',
      {
        namespaceSelector: {
          matchExpressions: [
            { key: 'team', operator: 'In', values: ['payments', 'intruder'] },
          ],
        },
      },
      true,
    ],
    [
      'an anchored namespace regex',
      { namespaceRegexes: ['^payments$'] },
      false,
    ],
    // Go's regexp.MatchString is unanchored: "ntrud" admits every namespace containing it
    ['an unanchored namespace regex', { namespaceRegexes: ['ntrud'] }, true],
  ])(
    'decides by %s whether another namespace may use the store',
    async (_, condition, admitted) => {
      const env = await setup();
      await env.cluster.objects.patch(
        env.t('clustersecretstores'),
        undefined,
        'vault-payments',
        'merge',
        { spec: { conditions: [condition] } },
      );
      await env.externalSecret('intruder', paymentsStore);
      await env.sync();
      // admitted, the store presents payments' account wherever it is used: the condition is the guard
      expect(env.ready('externalsecrets', 'intruder', 'db')?.status).toBe(
        admitted ? 'True' : 'False',
      );
      expect(env.warnings('ExternalSecret', 'intruder', 'db')).toEqual(
        admitted
          ? []
          : [
              'error processing spec.data[0] (key: payments/db), err: using cluster store "vault-payments" is not allowed from namespace "intruder": denied by spec.condition',
            ],
      );
    },
  );

  it('keeps a second tenant, set up the same way, to its own Vault path', async () => {
    const env = await setup();
    // intruder as the template renders it: its own account, policy, role and store
    await env.cluster.objects.create(env.t('serviceaccounts'), 'intruder', {
      metadata: { name: 'external-secrets-intruder' },
      automountServiceAccountToken: false,
    });
    await env.root.write('secret/data/intruder/db', {
      data: { password: 'intruder-own' },
    });
    await env.root.write('sys/policies/acl/intruder', {
      policy: 'path "secret/data/intruder/*" { capabilities = ["read"] }',
    });
    await env.root.write('auth/kubernetes/role/external-secrets-intruder', {
      bound_service_account_names: ['external-secrets-intruder'],
      bound_service_account_namespaces: ['intruder'],
      audience: AUDIENCE,
      token_policies: ['intruder'],
      token_ttl: '1h',
    });
    await env.cluster.objects.create(env.t('clustersecretstores'), undefined, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault-intruder' },
      spec: {
        provider: {
          vault: vaultProvider({
            role: 'external-secrets-intruder',
            serviceAccountRef: {
              name: 'external-secrets-intruder',
              namespace: 'intruder',
              audiences: [AUDIENCE],
            },
          }),
        },
        conditions: [{ namespaces: ['intruder'] }],
      },
    });
    const intruderStore = {
      kind: 'ClusterSecretStore',
      name: 'vault-intruder',
    };
    // its own store, payments' path: by key and by dataFrom.extract
    await env.externalSecret('intruder', intruderStore);
    await env.cluster.objects.create(env.t('externalsecrets'), 'intruder', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'all-of-payments' },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: intruderStore,
        target: { name: 'all-of-payments' },
        dataFrom: [{ extract: { key: 'payments/db' } }],
      },
    });
    await env.cluster.objects.create(env.t('externalsecrets'), 'intruder', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'own' },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: intruderStore,
        target: { name: 'own' },
        data: [
          {
            secretKey: 'password',
            remoteRef: { key: 'intruder/db', property: 'password' },
          },
        ],
      },
    });
    await env.sync();

    expect(
      env.ready('clustersecretstores', undefined, 'vault-intruder'),
    ).toMatchObject({ status: 'True', reason: 'Valid' });
    for (const name of ['db', 'all-of-payments']) {
      expect(env.ready('externalsecrets', 'intruder', name)).toMatchObject({
        status: 'False',
        reason: 'SecretSyncedError',
      });
      const [warning] = env.warnings('ExternalSecret', 'intruder', name);
      expect(warning).toContain('cannot read secret data from Vault');
      expect(warning).toContain('Code: 403. Errors:');
      expect(warning).toContain('* permission denied');
      expect(warning).not.toContain('payments-only');
      expect(
        env.cluster.objects
          .list(env.t('secrets'), 'intruder')
          .map(s => s.metadata.name),
      ).not.toContain(name);
    }
    expect(env.ready('externalsecrets', 'intruder', 'own')).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
    });
    const own = env.cluster.objects.get(env.t('secrets'), 'intruder', 'own');
    expect(Buffer.from((own.data as any).password, 'base64').toString()).toBe(
      'intruder-own',
    );
  });

  it('logs a store without serviceAccountRef in with ESO’s own token, which a per-service role refuses', async () => {
    const env = await setup();
    await env.secretStore('intruder', 'borrowed', {
      role: 'external-secrets-payments',
    });
    await env.externalSecret('intruder', {
      kind: 'SecretStore',
      name: 'borrowed',
    });
    await env.sync();

    expect(env.ready('secretstores', 'intruder', 'borrowed')).toMatchObject({
      status: 'False',
      reason: 'InvalidProviderConfig',
      message: 'unable to create client',
    });
    const [storeWarning] = env.warnings('SecretStore', 'intruder', 'borrowed');
    expect(storeWarning).toContain(
      'unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.',
    );
    expect(storeWarning).toContain('* service account name not authorized');
    expect(env.secret('intruder')).toBeUndefined();

    // The legacy shape (every role bound to ESO's own account) is exactly what this borrows.
    await env.bindRole(['external-secrets'], ['external-secrets']);
    env.advance(60_000);
    await env.sync();
    expect(env.ready('externalsecrets', 'intruder', 'db')).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
    });
    expect(
      Buffer.from(
        (env.secret('intruder')?.data as any).password,
        'base64',
      ).toString(),
    ).toBe('payments-only');
  });

  it('refuses a namespaced store naming an account in another namespace (ESO’s webhook)', async () => {
    const env = await setup();
    const denied = await env
      .secretStore('intruder', 'foreign-account', {
        role: 'external-secrets-payments',
        serviceAccountRef: { name: PAYMENTS_SA, namespace: 'payments' },
      })
      .catch(error => error);
    expect(denied).toBeInstanceOf(KubernetesApiError);
    expect(denied.code).toBe(403);
    expect(denied.message).toBe(
      'admission webhook "validate.secretstore.external-secrets.io" denied the request: invalid Auth.Kubernetes.ServiceAccountRef: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore',
    );
  });

  it('resolves a namespaced store’s account in its own namespace only', async () => {
    const env = await setup();
    await env.secretStore('intruder', 'same-name', {
      role: 'external-secrets-payments',
      serviceAccountRef: { name: PAYMENTS_SA, audiences: [AUDIENCE] },
    });
    await env.sync();
    expect(env.warnings('SecretStore', 'intruder', 'same-name')).toEqual([
      `cannot request Kubernetes service account token for service account "${PAYMENTS_SA}": cannot get Kubernetes service account "${PAYMENTS_SA}": serviceaccounts "${PAYMENTS_SA}" not found`,
    ]);

    // an account of the same name in its own namespace is another identity to Vault
    await env.cluster.objects.create(env.t('serviceaccounts'), 'intruder', {
      metadata: { name: PAYMENTS_SA },
    });
    env.advance(60_000);
    await env.sync();
    expect(env.warnings('SecretStore', 'intruder', 'same-name')).toContainEqual(
      expect.stringContaining('* namespace not authorized'),
    );
  });

  it('reports a ClusterSecretStore whose account does not exist with the real error', async () => {
    const env = await setup();
    await env.cluster.objects.patch(
      env.t('clustersecretstores'),
      undefined,
      'vault-payments',
      'merge',
      {
        spec: {
          provider: {
            vault: {
              auth: {
                kubernetes: {
                  serviceAccountRef: { name: 'gone', namespace: null },
                },
              },
            },
          },
        },
      },
    );
    await env.sync();
    // a ref without a namespace is resolved per ExternalSecret: the store validates alone
    expect(
      env.ready('clustersecretstores', undefined, 'vault-payments'),
    ).toMatchObject({
      status: 'True',
    });
    await env.externalSecret('payments', paymentsStore);
    await env.sync();
    expect(env.warnings('ExternalSecret', 'payments', 'db')).toEqual([
      'error processing spec.data[0] (key: payments/db), err: cannot request Kubernetes service account token for service account "gone": cannot get Kubernetes service account "gone": serviceaccounts "gone" not found',
    ]);

    await env.cluster.objects.patch(
      env.t('clustersecretstores'),
      undefined,
      'vault-payments',
      'merge',
      {
        spec: {
          provider: {
            vault: {
              auth: {
                kubernetes: { serviceAccountRef: { namespace: 'payments' } },
              },
            },
          },
        },
      },
    );
    await env.sync();
    expect(
      env.ready('clustersecretstores', undefined, 'vault-payments'),
    ).toMatchObject({
      status: 'False',
      reason: 'InvalidProviderConfig',
    });
    expect(
      env.warnings('ClusterSecretStore', 'default', 'vault-payments'),
    ).toEqual([
      'cannot request Kubernetes service account token for service account "gone": cannot get Kubernetes service account "gone": serviceaccounts "gone" not found',
    ]);
  });

  it('requests tokens under ESO’s own RBAC: without the chart’s serviceaccounts/token, only accounts granted one by one', async () => {
    const env = await setup({ serviceAccountTokenCreate: false });
    await env.externalSecret('payments', paymentsStore);
    await env.sync();
    expect(
      env.warnings('ClusterSecretStore', 'default', 'vault-payments'),
    ).toEqual([
      `cannot request Kubernetes service account token for service account "${PAYMENTS_SA}": cannot find secrets bound to service account: "${PAYMENTS_SA}"`,
    ]);
    expect(
      env.cluster.authorize({
        user: serviceAccountUser('external-secrets', 'external-secrets'),
        verb: 'create',
        resourceRequest: true,
        apiGroup: '',
        resource: 'serviceaccounts',
        subresource: 'token',
        namespace: 'payments',
        name: PAYMENTS_SA,
      }),
    ).toEqual({ allowed: false, reason: '' });

    // what the chart's values document for rbac.serviceAccountTokenCreate=false
    await env.cluster.objects.create(env.t('roles'), 'payments', {
      metadata: { name: 'eso-token' },
      rules: [
        {
          apiGroups: [''],
          resources: ['serviceaccounts/token'],
          resourceNames: [PAYMENTS_SA],
          verbs: ['create'],
        },
      ],
    });
    await env.cluster.objects.create(env.t('rolebindings'), 'payments', {
      metadata: { name: 'eso-token' },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'eso-token' },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'external-secrets',
          namespace: 'external-secrets',
        },
      ],
    });
    env.advance(60_000);
    await env.sync();
    expect(env.ready('externalsecrets', 'payments', 'db')).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
    });
  });
});
