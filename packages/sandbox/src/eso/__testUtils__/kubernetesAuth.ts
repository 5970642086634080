import type NodeVault from 'node-vault';
import type { KubernetesEmulator } from '../../kubernetes';

/**
 * Points Vault's `auth/kubernetes` at `cluster` the way the seed's one-time setup does: a
 * reviewer account `vault/vault-auth` allowed to review tokens (system:auth-delegator), its JWT
 * as `token_reviewer_jwt`, and the cluster's address and CA. The `vault` namespace must exist.
 */
export async function configureKubernetesAuth(
  cluster: KubernetesEmulator,
  vault: NodeVault.client,
  caCertPem: string,
): Promise<void> {
  await cluster.objects.create(cluster.type('serviceaccounts'), 'vault', {
    metadata: { name: 'vault-auth' },
  });
  cluster.grantTokenReview('vault', 'vault-auth');
  await vault.write('auth/kubernetes/config', {
    kubernetes_host: cluster.url,
    kubernetes_ca_cert: caCertPem,
    token_reviewer_jwt: await cluster.issueServiceAccountToken({
      namespace: 'vault',
      name: 'vault-auth',
      expirationSeconds: 86_400,
    }),
  });
}
