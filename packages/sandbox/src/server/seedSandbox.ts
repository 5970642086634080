import { randomBytes } from 'node:crypto';
import { NotFoundError } from '@backstage/errors';
import { stringify } from 'yaml';
import { DEFAULT_ESO_INSTALLATION, esoInstallationObjects } from '../eso';
import type { GitHubEmulator } from '../github';
import type { KubeObject, KubernetesEmulator, UserInfo } from '../kubernetes';
import {
  EDGE_AUTH_MOUNT,
  EDGE_GITOPS_REPO,
  EDGE_SERVICE,
  LAB_GITOPS_REPO,
  SEED_SERVICES,
  SEED_TOKEN_AUDIENCE,
  SeedService,
  seedDeployment,
} from '../seed';
import { readBackendClusterRole } from './backendDeployFiles';
import type { VaultRootClient } from './VaultRootClient';

/** Where ESO runs in the sandbox cluster, and the account Vault reviews tokens with. */
export const ESO_NAMESPACE = DEFAULT_ESO_INSTALLATION.namespace;
export const ESO_SERVICE_ACCOUNT = DEFAULT_ESO_INSTALLATION.serviceAccountName;
export const REVIEWER_NAMESPACE = 'vault';
export const REVIEWER_SERVICE_ACCOUNT = 'vault-auth';
/** The binding that gives Vault's token reviewer `system:auth-delegator`. */
export const REVIEWER_BINDING = 'vault-auth-delegator';
/** The status backend's identity in the cluster: the token in `kube-token` is this account's. */
export const BACKEND_NAMESPACE = 'backstage';
export const BACKEND_SERVICE_ACCOUNT = 'backstage';
/** Argo CD's application controller, which applies the GitOps repository (cluster-admin). */
export const ARGOCD_NAMESPACE = 'argocd';
export const ARGOCD_SERVICE_ACCOUNT = 'argocd-application-controller';

/**
 * Who the sandbox sets the cluster up as: the cluster administrator of a kind cluster's admin
 * kubeconfig (`system:masters`).
 */
export const SANDBOX_ADMIN: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};

const RBAC = 'rbac.authorization.k8s.io';

/** The GitOps repository Argo CD syncs from, and the organization of new service repositories. */
export const GITOPS_OWNER = 'gitops-secrets';
export const GITOPS_REPO = 'gitops';

/**
 * Vault policy name of the token the Backstage backend gets; its text is the backend's shipped
 * `deploy/vault-policy.hcl` (configuration, never secret values).
 */
export const BACKEND_POLICY_NAME = 'backstage';

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

/**
 * Writes a new version of a seeded service's KV secret, with fresh random values of the seed's
 * shape (example-worker's still lacks its property): a rotation, as an operator's `vault kv put`
 * would be. Answers where and which version — never the value. ESO picks it up at the next
 * refresh (or "Sync now").
 */
export async function rotateSeedValue(
  vault: VaultRootClient,
  serviceName: string,
): Promise<{
  service: string;
  path: string;
  version: number;
  updatedTime: string;
}> {
  const service = SEED_SERVICES.find(s => s.name === serviceName);
  if (!service) {
    throw new NotFoundError(
      `${serviceName} is not a seeded service (${SEED_SERVICES.map(
        s => s.name,
      ).join(', ')})`,
    );
  }
  const written = await vault.write(
    `${service.kvMount}/data/${service.vaultKey}`,
    { data: seedKvData(service) },
  );
  return {
    service: service.name,
    path: `${service.kvMount}/${service.vaultKey}`,
    version: written?.data?.version,
    updatedTime: written?.data?.created_time,
  };
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

async function seedVaultService(
  vault: VaultRootClient,
  service: SeedService,
  authMount: string,
): Promise<void> {
  await vault.write(`sys/policies/acl/${service.policyName}`, {
    policy: seedPolicy(service),
  });
  await vault.write(`auth/${authMount}/role/${service.roleName}`, {
    bound_service_account_names: [service.serviceAccount.metadata.name],
    bound_service_account_namespaces: [
      service.serviceAccount.metadata.namespace,
    ],
    audience: SEED_TOKEN_AUDIENCE,
    token_policies: [service.policyName],
    token_ttl: '1h',
  });
  await vault.write(`${service.kvMount}/data/${service.vaultKey}`, {
    data: seedKvData(service),
  });
}

/** Writes Vault's side of the three services: policies, roles, KV data, auth config. */
export async function seedVault(
  vault: VaultRootClient,
  authConfig: KubernetesAuthConfig,
): Promise<void> {
  await vault.write('auth/kubernetes/config', authConfig);
  for (const service of SEED_SERVICES) {
    await seedVaultService(vault, service, 'kubernetes');
  }
}

/**
 * Vault's side of the second cluster at every start (the cluster is new each time): its own
 * Kubernetes auth mount enabled when missing and configured for that cluster with its own
 * reviewer, and its service's policy, role and (once) KV data.
 */
export async function seedEdgeVault(
  vault: VaultRootClient,
  authConfig: KubernetesAuthConfig,
): Promise<void> {
  const mounts = (await vault.read('sys/auth'))?.data ?? {};
  if (!mounts[`${EDGE_AUTH_MOUNT}/`]) {
    await vault.write(`sys/auth/${EDGE_AUTH_MOUNT}`, { type: 'kubernetes' });
  }
  await vault.write(`auth/${EDGE_AUTH_MOUNT}/config`, authConfig);
  const kvKnown = await vault
    .read(`${EDGE_SERVICE.kvMount}/metadata/${EDGE_SERVICE.vaultKey}`)
    .then(
      () => true,
      () => false,
    );
  if (kvKnown) {
    await vault.write(`sys/policies/acl/${EDGE_SERVICE.policyName}`, {
      policy: seedPolicy(EDGE_SERVICE),
    });
    return;
  }
  await seedVaultService(vault, EDGE_SERVICE, EDGE_AUTH_MOUNT);
}

/**
 * The backend's Vault policy for a further cluster's mount: the shipped policy names the
 * single-cluster mount `kubernetes`, and an operator adds the same rules for each further
 * cluster's mount (README of the backend).
 */
export function clusterMountBackendPolicyRules(mount: string): string {
  return [
    `path "auth/${mount}/config" {\n  capabilities = ["read"]\n}`,
    `path "auth/${mount}/role/*" {\n  capabilities = ["read"]\n}`,
    `path "auth/${mount}/role/external-secrets-*" {\n  capabilities = ["create", "read", "update"]\n}`,
    '',
  ].join('\n');
}

/**
 * What the "Onboard a cluster to Vault" template needs besides, for one cluster's mount: list
 * the auth mounts, enable this one (Vault asks `sudo` for that), and write its config — and
 * nothing of any other mount (scaffolder module README, `vault:kubernetes-auth:configure`).
 */
export function onboardingBackendPolicyRules(mount: string): string {
  return [
    'path "sys/auth" {\n  capabilities = ["read"]\n}',
    `path "sys/auth/${mount}" {\n  capabilities = ["create", "update", "sudo"]\n}`,
    `path "auth/${mount}/config" {\n  capabilities = ["create", "read", "update"]\n}`,
    '',
  ].join('\n');
}

function clusterRoleBinding(
  name: string,
  role: string,
  namespace: string,
  serviceAccount: string,
): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  };
}

function namespaceAndAccount(namespace: string, name: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace },
    },
  ];
}

/**
 * What the sandbox cluster runs besides the services, with the authority each part has:
 * ESO (its chart's RBAC), Vault's token reviewer (`system:auth-delegator`), the status backend
 * (exactly the shipped `backendClusterRole`, bound to `backstage/backstage`) and Argo CD's
 * application controller (`cluster-admin`, as Argo CD installs it).
 */
export function platformObjects(
  backendClusterRole: KubeObject,
  options: { reviewer?: boolean } = {},
): KubeObject[] {
  const backendRole = backendClusterRole.metadata.name!;
  const reviewer =
    options.reviewer === false
      ? []
      : [
          ...namespaceAndAccount(REVIEWER_NAMESPACE, REVIEWER_SERVICE_ACCOUNT),
          clusterRoleBinding(
            REVIEWER_BINDING,
            'system:auth-delegator',
            REVIEWER_NAMESPACE,
            REVIEWER_SERVICE_ACCOUNT,
          ),
        ];
  return [
    ...esoInstallationObjects(),
    ...reviewer,
    ...namespaceAndAccount(BACKEND_NAMESPACE, BACKEND_SERVICE_ACCOUNT),
    backendClusterRole,
    clusterRoleBinding(
      backendRole,
      backendRole,
      BACKEND_NAMESPACE,
      BACKEND_SERVICE_ACCOUNT,
    ),
    ...namespaceAndAccount(ARGOCD_NAMESPACE, ARGOCD_SERVICE_ACCOUNT),
    clusterRoleBinding(
      ARGOCD_SERVICE_ACCOUNT,
      'cluster-admin',
      ARGOCD_NAMESPACE,
      ARGOCD_SERVICE_ACCOUNT,
    ),
  ];
}

/**
 * Applies {@link platformObjects} as the cluster administrator, at every start (a restored
 * state gets the shipped ClusterRole and chart RBAC of this version, like a `helm upgrade`).
 */
export async function installPlatform(
  cluster: KubernetesEmulator,
  backendClusterRole: KubeObject,
  options: { reviewer?: boolean } = {},
): Promise<void> {
  const admin = cluster.clientFor({ user: SANDBOX_ADMIN });
  for (const object of platformObjects(backendClusterRole, options)) {
    await admin.apply(object);
  }
  // the sandbox app enables "Restart workload", so the account gets the optional file too
  const restartRole = await readBackendClusterRole(
    'clusterrole-workload-restart.yaml',
  );
  await admin.apply(restartRole);
  await admin.apply(
    clusterRoleBinding(
      restartRole.metadata.name!,
      restartRole.metadata.name!,
      BACKEND_NAMESPACE,
      BACKEND_SERVICE_ACCOUNT,
    ),
  );
}

/**
 * Creates what the seeded services need before Argo CD syncs anything: their namespaces and
 * the `vault-ca` ConfigMap ESO trusts Vault with.
 */
export async function seedCluster(
  cluster: KubernetesEmulator,
  vaultCaPem: string,
): Promise<void> {
  const admin = cluster.clientFor({ user: SANDBOX_ADMIN });
  for (const service of SEED_SERVICES) {
    await admin.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: service.name },
    });
  }
  await admin.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vault-ca', namespace: ESO_NAMESPACE },
    data: { 'ca.crt': vaultCaPem },
  });
}

/** The second cluster's namespaces and `vault-ca` ConfigMap, as for the first one. */
export async function seedEdgeCluster(
  cluster: KubernetesEmulator,
  vaultCaPem: string,
): Promise<void> {
  const admin = cluster.clientFor({ user: SANDBOX_ADMIN });
  await admin.apply({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: EDGE_SERVICE.name },
  });
  await admin.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vault-ca', namespace: ESO_NAMESPACE },
    data: { 'ca.crt': vaultCaPem },
  });
}

/**
 * The GitOps repository of the second cluster with its service's manifests; kept as it is when
 * a state directory already holds it.
 */
export async function seedEdgeGitOpsRepository(
  github: GitHubEmulator,
  vaultServer: string,
): Promise<void> {
  github.addOrganization(GITOPS_OWNER);
  const dir = `apps/${EDGE_SERVICE.name}/external-secrets`;
  await github.createRepository(GITOPS_OWNER, EDGE_GITOPS_REPO, {
    files: {
      'README.md':
        "# GitOps (edge)\n\nManifests Argo CD applies to the sandbox's second cluster, one folder per service.\n",
      [`${dir}/service-account.yaml`]: stringify(EDGE_SERVICE.serviceAccount),
      [`${dir}/cluster-secret-store.yaml`]: stringify(
        seedClusterSecretStore(EDGE_SERVICE, vaultServer),
      ),
      [`${dir}/external-secret.yaml`]: stringify(EDGE_SERVICE.externalSecret),
    },
    description: 'Manifests of the second cluster, synced by Argo CD',
  });
}

/**
 * The third cluster's GitOps repository: only a README, as before a cluster is onboarded (the
 * onboarding template's pull request brings its platform files); kept as it is when a state
 * directory already holds it.
 */
export async function seedLabGitOpsRepository(
  github: GitHubEmulator,
): Promise<void> {
  github.addOrganization(GITOPS_OWNER);
  await github.createRepository(GITOPS_OWNER, LAB_GITOPS_REPO, {
    files: {
      'README.md':
        '# GitOps (lab)\n\nManifests Argo CD applies to the sandbox\'s third cluster. The cluster is not onboarded to Vault yet: run the "Onboard a cluster to Vault" template.\n',
    },
    description: 'Manifests of the third cluster, synced by Argo CD',
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
    files[`${dir}/service-account.yaml`] = stringify(service.serviceAccount);
    files[`${dir}/cluster-secret-store.yaml`] = stringify(
      seedClusterSecretStore(service, vaultServer),
    );
    files[`${dir}/external-secret.yaml`] = stringify(service.externalSecret);
    files[`apps/${service.name}/deployment.yaml`] = stringify(
      seedDeployment(service),
    );
  }
  await github.createRepository(GITOPS_OWNER, GITOPS_REPO, {
    files,
    description: 'Cluster manifests synced by Argo CD',
  });
}
