import NodeVault from 'node-vault';
import type { SetupServer } from 'msw/node';
import { KubeObject, KubernetesEmulator } from '../../kubernetes';
import { createTokenReviewer } from '../../kubernetes/tokenReview';
import { VaultEmulator, vaultHandlers } from '../../vault';
import { createTestCaPem } from '../../vault/testCertificate';
import { EsoController } from '../EsoController';
import { installEso } from '../installEso';
import { configureKubernetesAuth } from './kubernetesAuth';

export const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

const CLUSTER_CA = createTestCaPem('tenant-cluster-ca');
const VAULT_CA = createTestCaPem('tenant-vault-ca');

/**
 * One cluster, one Vault (through `server`'s msw handlers), ESO with its chart's RBAC, and one
 * tenant set up as the template renders a service: namespace `shop` with its own account
 * `external-secrets-shop`, a Vault role bound to exactly that account, the ACL policy `shop`
 * with the given rules, and the ClusterSecretStore `vault-shop` on the KV v2 mount `secret`
 * (or, with `version: 'v1'`, on the KV v1 mount `kv1`).
 * The clock only moves when a test moves it.
 */
export async function tenantSandbox(options: {
  server: SetupServer;
  vaultUrl: string;
  policy: string[];
  version?: 'v1' | 'v2';
}) {
  let clock = new Date('2026-03-01T10:00:00Z');
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.tenant.test:6443',
    caCertPem: CLUSTER_CA,
    now: () => clock,
  });
  const vault = new VaultEmulator({
    tokenReviewer: createTokenReviewer(cluster),
    kvMounts: [
      { path: 'secret', version: 2 },
      { path: 'kv1', version: 1 },
    ],
  });
  options.server.use(...vaultHandlers(vault, options.vaultUrl));
  const root = NodeVault({
    endpoint: options.vaultUrl,
    token: vault.rootToken,
    noCustomHTTPVerbs: true,
  });
  const t = (plural: string) => cluster.type(plural);
  await installEso(cluster);
  for (const name of ['vault', 'shop']) {
    await cluster.objects.create(t('namespaces'), undefined, {
      metadata: { name },
    });
  }
  await configureKubernetesAuth(cluster, root, CLUSTER_CA);
  await cluster.objects.create(t('serviceaccounts'), 'shop', {
    metadata: { name: 'external-secrets-shop' },
  });
  await root.write('sys/policies/acl/shop', {
    policy: options.policy.join('\n'),
  });
  await root.write('auth/kubernetes/role/external-secrets-shop', {
    bound_service_account_names: ['external-secrets-shop'],
    bound_service_account_namespaces: ['shop'],
    audience: AUDIENCE,
    token_policies: ['shop'],
    token_ttl: '1h',
  });
  await cluster.objects.create(t('clustersecretstores'), undefined, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault-shop' },
    spec: {
      provider: {
        vault: {
          server: options.vaultUrl,
          path: options.version === 'v1' ? 'kv1' : 'secret',
          version: options.version ?? 'v2',
          caBundle: Buffer.from(VAULT_CA).toString('base64'),
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-shop',
              serviceAccountRef: {
                name: 'external-secrets-shop',
                namespace: 'shop',
                audiences: [AUDIENCE],
              },
            },
          },
        },
      },
    },
  });
  const controller = new EsoController({ cluster, now: () => clock });
  const get = (plural: string, namespace: string | undefined, name: string) => {
    try {
      return cluster.objects.get(t(plural), namespace, name);
    } catch {
      return undefined;
    }
  };
  const events = (kind: string, namespace: string, name: string) =>
    cluster.objects
      .list(t('events'), namespace)
      .filter(
        e =>
          (e.involvedObject as any).kind === kind &&
          (e.involvedObject as any).name === name,
      )
      .map(e => ({ type: e.type, reason: e.reason, message: e.message }));
  /** A KV v2 read as root: the data, or undefined when Vault answers 404. */
  const readKv = async (path: string) => {
    try {
      return (await root.read(path)).data;
    } catch (error) {
      if ((error as any).response?.statusCode === 404) return undefined;
      throw error;
    }
  };
  return {
    cluster,
    vault,
    root,
    t,
    get,
    events,
    readKv,
    sync: () => controller.reconcileAll(),
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
  };
}

export function ready(object: KubeObject | undefined) {
  return ((object?.status as any)?.conditions ?? []).find(
    (c: any) => c.type === 'Ready',
  );
}
