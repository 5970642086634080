import { createTestCaPem } from 'sandbox/src/vault/testCertificate';
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
});
