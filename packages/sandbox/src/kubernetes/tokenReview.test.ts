import { KubernetesEmulator } from './KubernetesEmulator';
import {
  ClusterTokenReviewRequest,
  createMultiClusterTokenReviewer,
  createTokenReviewer,
} from './tokenReview';

const CLUSTER_CA =
  '-----BEGIN CERTIFICATE-----\nQ0xVU1RFUi1DQQ==\n-----END CERTIFICATE-----\n';
const OTHER_CA =
  '-----BEGIN CERTIFICATE-----\nT1RIRVItQ0E=\n-----END CERTIFICATE-----\n';
const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

async function setup(
  url = 'https://k8s.sandbox.test:6443',
  caCertPem = CLUSTER_CA,
) {
  let now = new Date('2026-01-01T00:00:00Z');
  const cluster = new KubernetesEmulator({
    url,
    caCertPem,
    now: () => now,
  });
  const sa = cluster.type('serviceaccounts');
  const ns = cluster.type('namespaces');
  await cluster.objects.create(ns, undefined, {
    metadata: { name: 'external-secrets' },
  });
  await cluster.objects.create(ns, undefined, { metadata: { name: 'vault' } });
  await cluster.objects.create(sa, 'external-secrets', {
    metadata: { name: 'external-secrets' },
  });
  await cluster.objects.create(sa, 'vault', {
    metadata: { name: 'vault-auth' },
  });
  cluster.grantTokenReview('vault', 'vault-auth');
  const reviewerJwt = await cluster.issueServiceAccountToken({
    namespace: 'vault',
    name: 'vault-auth',
    expirationSeconds: 24 * 3600,
  });
  const loginJwt = await cluster.issueServiceAccountToken({
    namespace: 'external-secrets',
    name: 'external-secrets',
    audiences: [AUDIENCE],
  });
  const request: ClusterTokenReviewRequest = {
    kubernetesHost: `${url}/`,
    kubernetesCaCert: caCertPem,
    tokenReviewerJwt: reviewerJwt,
    jwt: loginJwt,
    role: {
      boundServiceAccountNames: ['external-secrets'],
      boundServiceAccountNamespaces: ['external-secrets'],
      audience: AUDIENCE,
    },
  };
  return {
    cluster,
    review: createTokenReviewer(cluster),
    request,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe('createTokenReviewer', () => {
  it('authenticates a service account token when Vault points at this cluster', async () => {
    const { review, request } = await setup();
    await expect(review(request)).resolves.toEqual({
      serviceAccountName: 'external-secrets',
      namespace: 'external-secrets',
      audiences: [AUDIENCE],
    });
  });

  it.each([
    [
      'an old API server URL',
      { kubernetesHost: 'https://old-cluster.test:6443' },
    ],
    ['another CA', { kubernetesCaCert: OTHER_CA }],
    ['no CA', { kubernetesCaCert: undefined }],
    [
      'a reviewer JWT from another cluster',
      {
        tokenReviewerJwt:
          'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dmF1bHQ6dmF1bHQtYXV0aCJ9.c2ln',
      },
    ],
  ])('denies with permission denied when Vault holds %s', async (_, change) => {
    const { review, request } = await setup();
    await expect(review({ ...request, ...change })).resolves.toEqual(
      'permission denied',
    );
  });

  it('denies when the reviewer JWT expired or lost its auth-delegator binding', async () => {
    const { review, request, advance, cluster } = await setup();
    cluster.revokeTokenReview('vault', 'vault-auth');
    await expect(review(request)).resolves.toEqual('permission denied');
    cluster.grantTokenReview('vault', 'vault-auth');
    await expect(review(request)).resolves.toHaveProperty('serviceAccountName');
    advance(25 * 3600 * 1000);
    const fresh = await cluster.issueServiceAccountToken({
      namespace: 'external-secrets',
      name: 'external-secrets',
      audiences: [AUDIENCE],
    });
    await expect(review({ ...request, jwt: fresh })).resolves.toEqual(
      'permission denied',
    );
  });

  it('answers role and claim mismatches with Vault messages', async () => {
    const { review, request, cluster } = await setup();
    const role = request.role!;
    await expect(
      review({
        ...request,
        role: { ...role, boundServiceAccountNames: ['eso'] },
      }),
    ).resolves.toEqual('service account name not authorized');
    await expect(
      review({
        ...request,
        role: { ...role, boundServiceAccountNamespaces: ['eso'] },
      }),
    ).resolves.toEqual('namespace not authorized');
    await expect(
      review({
        ...request,
        role: { ...role, boundServiceAccountNames: ['*'], audience: 'vault' },
      }),
    ).resolves.toEqual(
      expect.stringMatching(/^invalid audience \(aud\) claim/),
    );
    await expect(
      review({
        ...request,
        issuer: 'https://issuer.example',
        disableIssValidation: false,
      }),
    ).resolves.toEqual('claim "iss" is invalid');
    await expect(
      review({
        ...request,
        issuer: cluster.issuer,
        disableIssValidation: false,
      }),
    ).resolves.toHaveProperty('serviceAccountName');
  });

  it('denies tokens of deleted service accounts and while the cluster is down', async () => {
    const { review, request, cluster } = await setup();
    cluster.faults.setClusterDown(true);
    await expect(review(request)).resolves.toEqual('permission denied');
    cluster.faults.setClusterDown(false);
    cluster.objects.delete(
      cluster.type('serviceaccounts'),
      'external-secrets',
      'external-secrets',
    );
    await expect(review(request)).resolves.toEqual('permission denied');
  });
});

describe('saved and restored emulator state', () => {
  it('keeps objects, tokens and review grants across a restart', async () => {
    const { cluster, request } = await setup();
    const saved = JSON.parse(JSON.stringify(cluster.exportState()));
    const restarted = new KubernetesEmulator({
      url: cluster.url,
      now: () => new Date('2026-01-01T00:10:00Z'),
    });
    restarted.importState(saved);
    expect(restarted.caCertPem).toBe(CLUSTER_CA);
    expect(
      restarted.objects.get(
        restarted.type('serviceaccounts'),
        'vault',
        'vault-auth',
      ).metadata.uid,
    ).toBe(
      cluster.objects.get(
        cluster.type('serviceaccounts'),
        'vault',
        'vault-auth',
      ).metadata.uid,
    );
    await expect(
      createTokenReviewer(restarted)(request),
    ).resolves.toHaveProperty('serviceAccountName', 'external-secrets');
  });
});

describe('token controller (service-account-token Secrets)', () => {
  const tokenSecret = (name: string, account: string) => ({
    metadata: {
      name,
      annotations: { 'kubernetes.io/service-account.name': account },
    },
    type: 'kubernetes.io/service-account-token',
  });
  const decoded = (secret: any, key: string) =>
    Buffer.from(secret.data[key], 'base64').toString('utf8');

  it('fills the Secret, and its token reviews only while the reviewer is bound to system:auth-delegator', async () => {
    const { cluster, review, request } = await setup();
    const secrets = cluster.type('secrets');
    const rbac = cluster.type('clusterrolebindings');
    const ns = cluster.type('namespaces');
    const sa = cluster.type('serviceaccounts');
    await cluster.objects.create(ns, undefined, {
      metadata: { name: 'vault-auth' },
    });
    await cluster.objects.create(sa, 'vault-auth', {
      metadata: { name: 'vault-auth' },
    });
    await cluster.objects.create(
      secrets,
      'vault-auth',
      tokenSecret('vault-auth-token', 'vault-auth'),
    );
    await cluster.tokenControllerIdle();
    const filled = cluster.objects.get(
      secrets,
      'vault-auth',
      'vault-auth-token',
    ) as any;
    expect(decoded(filled, 'namespace')).toBe('vault-auth');
    expect(decoded(filled, 'ca.crt')).toBe(CLUSTER_CA);
    expect(
      filled.metadata.annotations['kubernetes.io/service-account.uid'],
    ).toBe(cluster.objects.get(sa, 'vault-auth', 'vault-auth').metadata.uid);
    const reviewerJwt = decoded(filled, 'token');
    const withSecretToken = { ...request, tokenReviewerJwt: reviewerJwt };

    // not bound yet: Vault's TokenReview call is forbidden
    await expect(review(withSecretToken)).resolves.toBe('permission denied');
    await cluster.objects.create(rbac, undefined, {
      metadata: { name: 'vault-auth-delegator' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'vault-auth', namespace: 'vault-auth' },
      ],
    });
    await expect(review(withSecretToken)).resolves.toMatchObject({
      serviceAccountName: 'external-secrets',
    });

    // the token lives as long as its Secret
    await cluster.objects.delete(secrets, 'vault-auth', 'vault-auth-token');
    await expect(review(withSecretToken)).resolves.toBe('permission denied');
  });

  it('leaves a Secret naming a missing account empty', async () => {
    const { cluster } = await setup();
    const secrets = cluster.type('secrets');
    await cluster.objects.create(
      secrets,
      'vault',
      tokenSecret('orphan-token', 'nobody'),
    );
    await cluster.tokenControllerIdle();
    expect(
      cluster.objects.get(secrets, 'vault', 'orphan-token').data,
    ).toBeUndefined();
  });
});

describe('createMultiClusterTokenReviewer', () => {
  it("reviews each login with the cluster its mount's kubernetes_host names", async () => {
    const first = await setup();
    const second = await setup('https://k8s-edge.sandbox.test:6444', OTHER_CA);
    const review = createMultiClusterTokenReviewer([
      first.cluster,
      second.cluster,
    ]);
    await expect(review(first.request)).resolves.toMatchObject({
      serviceAccountName: 'external-secrets',
    });
    await expect(review(second.request)).resolves.toMatchObject({
      serviceAccountName: 'external-secrets',
    });
    // the edge cluster's token, reviewed through a mount pointing at the first cluster
    await expect(
      review({ ...first.request, jwt: second.request.jwt }),
    ).resolves.toBe('permission denied');
    // the first cluster's URL with the edge cluster's CA and reviewer
    await expect(
      review({
        ...second.request,
        kubernetesHost: first.request.kubernetesHost,
      }),
    ).resolves.toBe('permission denied');
    // an API server neither cluster serves
    await expect(
      review({ ...second.request, kubernetesHost: 'https://gone.test:6443' }),
    ).resolves.toBe('permission denied');
  });

  it('still checks the role before the TokenReview for a host no cluster serves', async () => {
    const first = await setup();
    const review = createMultiClusterTokenReviewer([first.cluster]);
    await expect(
      review({
        ...first.request,
        kubernetesHost: 'https://gone.test:6443',
        role: { ...first.request.role!, boundServiceAccountNames: ['other'] },
      }),
    ).resolves.toBe('service account name not authorized');
  });
});
