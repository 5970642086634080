import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { GitHubEmulator } from '../github';
import type { KubernetesEmulator } from '../kubernetes';
import { SEED_SERVICES, SEED_TOKEN_AUDIENCE, SeedService } from '../seed';
import type { VaultRootClient } from './VaultRootClient';

/** Where ESO runs in the sandbox cluster, and the account Vault reviews tokens with. */
export const ESO_NAMESPACE = 'external-secrets';
export const ESO_SERVICE_ACCOUNT = 'external-secrets';
export const REVIEWER_NAMESPACE = 'vault';
export const REVIEWER_SERVICE_ACCOUNT = 'vault-auth';

/** The GitOps repository Argo CD syncs from, and the organization of new service repositories. */
export const GITOPS_OWNER = 'gitops-secrets';
export const GITOPS_REPO = 'gitops';

/** Vault policy of the token the Backstage backend gets: configuration, never secret values. */
export const BACKEND_POLICY_NAME = 'backstage';
export const BACKEND_POLICY = `
path "sys/policies/acl" { capabilities = ["list"] }
path "sys/policies/acl/*" { capabilities = ["create", "read", "update", "list"] }
path "auth/kubernetes/config" { capabilities = ["read"] }
path "auth/kubernetes/role" { capabilities = ["list"] }
path "auth/kubernetes/role/*" { capabilities = ["create", "read", "update", "list"] }
path "secret/data/*" { capabilities = ["create"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
path "sys/mounts" { capabilities = ["read"] }
path "sys/auth" { capabilities = ["read"] }
path "sys/internal/ui/mounts/*" { capabilities = ["read"] }
path "sys/capabilities-self" { capabilities = ["update"] }
`;

/** Vault's `auth/kubernetes/config` as the sandbox writes it. */
export interface KubernetesAuthConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  token_reviewer_jwt: string;
  disable_local_ca_jwt: boolean;
}

/**
 * The KV data of each seeded service. example-worker's secret deliberately lacks the property its
 * ExternalSecret asks for, so the first start shows `PROPERTY_MISSING`.
 */
function seedKvData(service: SeedService): Record<string, string> {
  const value = `sandbox-${randomBytes(12).toString('hex')}`;
  if (service.name === 'example-worker') {
    return { 'settings.json': JSON.stringify({ token: value }) };
  }
  if (service.property === 'dotenv') {
    return { dotenv: `API_KEY=${value}\n` };
  }
  return { [service.property]: value };
}

/** example-admin's policy forgets `data/`, the classic KV v2 mistake. */
function seedPolicy(service: SeedService): string {
  const path =
    service.name === 'example-admin'
      ? `${service.kvMount}/${service.name}/*`
      : `${service.kvMount}/data/${service.name}/*`;
  return `path "${path}" {\n  capabilities = ["read"]\n}\n`;
}

/** The ClusterSecretStore of a seed service, pointed at the Vault this sandbox serves. */
export function seedClusterSecretStore(
  service: SeedService,
  vaultServer: string,
): Record<string, any> {
  const store = structuredClone(service.clusterSecretStore);
  store.spec.provider.vault.server = vaultServer;
  return store;
}

/** Writes Vault's side of the three services: policies, roles, KV data, auth config. */
export async function seedVault(
  vault: VaultRootClient,
  authConfig: KubernetesAuthConfig,
): Promise<void> {
  await vault.write('auth/kubernetes/config', authConfig);
  await vault.write(`sys/policies/acl/${BACKEND_POLICY_NAME}`, {
    policy: BACKEND_POLICY,
  });
  for (const service of SEED_SERVICES) {
    await vault.write(`sys/policies/acl/${service.policyName}`, {
      policy: seedPolicy(service),
    });
    await vault.write(`auth/kubernetes/role/${service.roleName}`, {
      bound_service_account_names: [ESO_SERVICE_ACCOUNT],
      bound_service_account_namespaces: [ESO_NAMESPACE],
      audience: SEED_TOKEN_AUDIENCE,
      token_policies: [service.policyName],
      token_ttl: '1h',
    });
    await vault.write(`${service.kvMount}/data/${service.vaultKey}`, {
      data: seedKvData(service),
    });
  }
}

/**
 * Creates what a cluster with ESO installed already has before Argo CD syncs anything: the
 * namespaces, ESO's service account, Vault's token-reviewer account and the Vault CA ConfigMap.
 */
export async function seedCluster(
  cluster: KubernetesEmulator,
  vaultCaPem: string,
): Promise<void> {
  const t = (plural: string) => cluster.type(plural);
  const namespaces = [
    ESO_NAMESPACE,
    REVIEWER_NAMESPACE,
    ...SEED_SERVICES.map(s => s.name),
  ];
  for (const name of namespaces) {
    await cluster.objects.create(t('namespaces'), undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
  await cluster.objects.create(t('serviceaccounts'), ESO_NAMESPACE, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: ESO_SERVICE_ACCOUNT, namespace: ESO_NAMESPACE },
  });
  await cluster.objects.create(t('serviceaccounts'), REVIEWER_NAMESPACE, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: REVIEWER_SERVICE_ACCOUNT, namespace: REVIEWER_NAMESPACE },
  });
  cluster.grantTokenReview(REVIEWER_NAMESPACE, REVIEWER_SERVICE_ACCOUNT);
  await cluster.objects.create(t('configmaps'), ESO_NAMESPACE, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vault-ca', namespace: ESO_NAMESPACE },
    data: { 'ca.crt': vaultCaPem },
  });
}

/** The GitOps repository with the seeded services' manifests, as Argo CD will sync them. */
export async function seedGitOpsRepository(
  github: GitHubEmulator,
  vaultServer: string,
): Promise<void> {
  github.addOrganization(GITOPS_OWNER);
  const files: Record<string, string> = {
    'README.md':
      '# GitOps\n\nManifests Argo CD applies to the sandbox cluster, one folder per service.\n',
  };
  for (const service of SEED_SERVICES) {
    const dir = `apps/${service.name}/external-secrets`;
    files[`${dir}/cluster-secret-store.yaml`] = stringify(
      seedClusterSecretStore(service, vaultServer),
    );
    files[`${dir}/external-secret.yaml`] = stringify(service.externalSecret);
  }
  await github.createRepository(GITOPS_OWNER, GITOPS_REPO, {
    files,
    description: 'Cluster manifests synced by Argo CD',
  });
}
