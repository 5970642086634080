import {
  DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN,
  kubernetesAuthMountFor,
  kubernetesAuthMountPatternProblem,
} from './clusterMounts';

describe('kubernetesAuthMountFor', () => {
  it.each([
    [{ name: 'prod-eu' }, undefined, 'kubernetes-prod-eu'],
    [{ name: 'edge' }, 'k8s/{cluster}', 'k8s/edge'],
    [
      { name: 'sandbox', vaultAuthMount: 'kubernetes' },
      undefined,
      'kubernetes',
    ],
    [{ name: 'a', vaultAuthMount: 'auth-a' }, 'k8s/{cluster}', 'auth-a'],
  ])('%j with pattern %s is %s', (cluster, pattern, expected) => {
    expect(kubernetesAuthMountFor(cluster, pattern)).toBe(expected);
  });

  it('refuses a name that makes no mount path', () => {
    expect(() => kubernetesAuthMountFor({ name: 'a/../b' })).toThrow(
      /Cluster "a\/\.\.\/b" gives no valid Vault auth mount/,
    );
    expect(() =>
      kubernetesAuthMountFor({ name: 'x', vaultAuthMount: 'bad mount' }),
    ).toThrow(/not a Vault mount path/);
  });
});

describe('kubernetesAuthMountPatternProblem', () => {
  it('accepts the default and refuses a pattern without the cluster name', () => {
    expect(
      kubernetesAuthMountPatternProblem(DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN),
    ).toBeUndefined();
    expect(kubernetesAuthMountPatternProblem('kubernetes')).toMatch(
      /every cluster would share one mount/,
    );
    expect(kubernetesAuthMountPatternProblem('k8s {cluster}')).toMatch(
      /not a Vault mount path/,
    );
  });
});
