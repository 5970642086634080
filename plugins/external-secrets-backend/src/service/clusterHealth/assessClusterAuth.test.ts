import { createTestCaPem } from 'sandbox';
import { assessClusterAuth, ClusterAuthInput } from './assessClusterAuth';

const CA = createTestCaPem('assess-ca');
const OTHER_CA = createTestCaPem('assess-other-ca');
const URL = 'https://k8s.edge.test:6443';

function input(change: Partial<ClusterAuthInput> = {}): ClusterAuthInput {
  return {
    cluster: {
      name: 'edge',
      vaultAuthMount: 'kubernetes-edge',
      url: URL,
      caPem: CA,
      reachable: true,
    },
    mount: {
      kind: 'config',
      config: {
        kubernetesHost: `${URL}/`,
        kubernetesCaCert: CA,
        issuer: '',
        disableIssValidation: false,
        tokenReviewerJwtSet: false,
      },
    },
    stores: [
      {
        ref: 'ClusterSecretStore vault-a',
        mount: 'kubernetes-edge',
        ready: false,
        loginDenied: true,
      },
    ],
    now: new Date('2026-06-01T00:00:00Z'),
    ...change,
  };
}

describe('assessClusterAuth', () => {
  it('blames the client JWTs in client-JWT mode when host and CA match but logins are denied', () => {
    const health = assessClusterAuth(input());
    expect(health).toMatchObject({
      state: 'Unhealthy',
      reviewerMode: 'client-jwt',
      checks: { hostMatches: 'ok', caMatches: 'ok', reviewerWorks: 'failed' },
    });
    expect(health.findings.map(f => f.code)).toEqual(['REVIEWER_REJECTED']);
    expect(health.findings[0].summary).toMatch(
      /client-JWT mode each logging-in service account must hold system:auth-delegator/,
    );
  });

  it('names a wrong CA, and does not blame the reviewer for it', () => {
    const base = input();
    const health = assessClusterAuth({
      ...base,
      mount: {
        kind: 'config',
        config: {
          ...(base.mount as any).config,
          kubernetesCaCert: OTHER_CA,
        },
      },
    });
    expect(health.findings.map(f => f.code)).toEqual(['AUTH_CA_MISMATCH']);
    expect(health.checks.reviewerWorks).toBe('unknown');
  });

  it.each([
    [{ kind: 'mount-missing' } as const, 'AUTH_MOUNT_MISSING', 'Unhealthy'],
    [
      { kind: 'not-configured' } as const,
      'AUTH_MOUNT_NOT_CONFIGURED',
      'Unhealthy',
    ],
    [
      { kind: 'unreadable', reason: 'Vault did not answer' } as const,
      'VAULT_UNREADABLE',
      'Unknown',
    ],
  ])('reads %j as %s (%s)', (mount, code, state) => {
    const health = assessClusterAuth(input({ mount, stores: [] }));
    expect(health.state).toBe(state);
    expect(health.findings.map(f => f.code)).toEqual([code]);
  });

  it('warns about a store that logs in through another mount, and counts Ready stores', () => {
    const health = assessClusterAuth(
      input({
        stores: [
          {
            ref: 'ClusterSecretStore vault-a',
            mount: 'kubernetes-edge',
            ready: true,
            loginDenied: false,
          },
          {
            ref: 'SecretStore team/vault',
            mount: 'kubernetes',
            ready: false,
            loginDenied: true,
          },
        ],
      }),
    );
    expect(health).toMatchObject({
      state: 'Healthy',
      stores: { total: 1, ready: 1 },
      checks: { reviewerWorks: 'ok' },
    });
    expect(health.findings).toEqual([
      expect.objectContaining({
        code: 'STORE_ON_OTHER_MOUNT',
        severity: 'warning',
        fix: 'Set auth.kubernetes.mountPath of SecretStore team/vault to kubernetes-edge.',
      }),
    ]);
  });

  describe('the cluster side', () => {
    const ready = [
      {
        ref: 'ClusterSecretStore vault-a',
        mount: 'kubernetes-edge',
        ready: true,
        loginDenied: false,
      },
    ];

    it('in client-JWT mode names the accounts that may not review tokens, once, instead of "every login denied"', () => {
      const health = assessClusterAuth(
        input({
          clusterSide: {
            tokenReview: [
              { account: 'external-secrets/external-secrets', allowed: true },
              { account: 'payments/external-secrets-payments', allowed: false },
            ],
            vaultCa: [
              {
                ref: 'external-secrets/vault-ca',
                key: 'ca.crt',
                state: 'present',
              },
            ],
          },
        }),
      );
      expect(health.state).toBe('Unhealthy');
      expect(health.checks).toMatchObject({
        tokenReviewGranted: 'failed',
        vaultCaPresent: 'ok',
        reviewerWorks: 'failed',
      });
      expect(health.findings.map(f => f.code)).toEqual([
        'TOKEN_REVIEW_NOT_GRANTED',
      ]);
      expect(health.findings[0].summary).toContain(
        'the account payments/external-secrets-payments may not create TokenReviews',
      );
      expect(health.findings[0].summary).not.toContain(
        'external-secrets/external-secrets',
      );
    });

    it('says nothing of token review rights in reviewer mode, and leaves unanswered questions unknown', () => {
      const base = input({ stores: ready });
      const reviewer = assessClusterAuth({
        ...base,
        mount: {
          kind: 'config',
          config: {
            ...(base.mount as any).config,
            tokenReviewerJwtSet: true,
          },
        },
        clusterSide: {
          tokenReview: [
            { account: 'external-secrets/external-secrets', allowed: false },
          ],
        },
      });
      expect(reviewer.state).toBe('Healthy');
      expect(reviewer.checks.tokenReviewGranted).toBe('unknown');

      const unanswered = assessClusterAuth(
        input({
          stores: ready,
          clusterSide: {
            tokenReview: [
              {
                account: 'external-secrets/external-secrets',
                allowed: undefined,
              },
            ],
            vaultCa: [
              {
                ref: 'external-secrets/vault-ca',
                key: 'ca.crt',
                state: 'unknown',
              },
            ],
          },
        }),
      );
      expect(unanswered.state).toBe('Healthy');
      expect(unanswered.checks).toMatchObject({
        tokenReviewGranted: 'unknown',
        vaultCaPresent: 'unknown',
      });
    });

    it('names a missing Vault CA ConfigMap or key, with the command that creates it', () => {
      const health = assessClusterAuth(
        input({
          stores: ready,
          clusterSide: {
            vaultCa: [
              {
                ref: 'external-secrets/vault-ca',
                key: 'ca.crt',
                state: 'missing',
              },
              { ref: 'payments/vault-ca', key: 'ca.pem', state: 'key-missing' },
            ],
          },
        }),
      );
      expect(health.state).toBe('Unhealthy');
      expect(health.checks.vaultCaPresent).toBe('failed');
      expect(health.findings.map(f => f.summary)).toEqual([
        "ConfigMap external-secrets/vault-ca, which ESO's stores in cluster edge read Vault's CA from, does not exist: they cannot verify Vault's certificate.",
        "ConfigMap payments/vault-ca in cluster edge has no key ca.pem, where ESO's stores read Vault's CA from: they cannot verify Vault's certificate.",
      ]);
      expect(health.findings[1].fix).toContain(
        'kubectl -n payments create configmap vault-ca --from-file=ca.pem=vault-ca.pem',
      );
    });

    it('asks nothing of a cluster it cannot reach', () => {
      const base = input({
        stores: ready,
        clusterSide: {
          vaultCa: [
            {
              ref: 'external-secrets/vault-ca',
              key: 'ca.crt',
              state: 'missing',
            },
          ],
        },
      });
      const health = assessClusterAuth({
        ...base,
        cluster: { ...base.cluster, reachable: false },
      });
      expect(health.findings.map(f => f.code)).toEqual(['CLUSTER_UNREACHABLE']);
      expect(health.checks.vaultCaPresent).toBe('unknown');
    });
  });
});
