import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InputError, NotFoundError } from '@backstage/errors';
import { EsoController } from '../eso';
import { GitHubEmulator } from '../github';
import {
  KubeObject,
  KubernetesEmulator,
  createKubernetesRequestListener,
  createMultiClusterTokenReviewer,
  serviceAccountUser,
} from '../kubernetes';
import {
  EDGE_AUTH_MOUNT,
  EDGE_CLUSTER_NAME,
  EDGE_GITOPS_REPO,
  LAB_AUTH_MOUNT,
  LAB_CLUSTER_NAME,
  LAB_GITOPS_REPO,
} from '../seed';
import { VaultEmulator, createVaultRequestListener } from '../vault';
import { createAdminRequestListener } from './adminApi';
import { renderKubeconfig } from './kubeconfig';
import { ArgoSync } from './ArgoSync';
import {
  readBackendClusterRole,
  readBackendVaultPolicy,
} from './backendDeployFiles';
import { SandboxCertificates, loadCertificates } from './sandboxCertificates';
import { SANDBOX_FILES, writeSandboxFile } from './sandboxFiles';
import {
  STATE_FILE,
  SandboxState,
  StateSaver,
  readSandboxState,
  stateFileError,
} from './sandboxState';
import { FAULT_NAMES, SandboxFaults } from './SandboxFaults';
import {
  ARGOCD_NAMESPACE,
  ARGOCD_SERVICE_ACCOUNT,
  BACKEND_NAMESPACE,
  BACKEND_POLICY_NAME,
  BACKEND_SERVICE_ACCOUNT,
  ESO_NAMESPACE,
  GITOPS_OWNER,
  GITOPS_REPO,
  KubernetesAuthConfig,
  REVIEWER_NAMESPACE,
  REVIEWER_SERVICE_ACCOUNT,
  clusterMountBackendPolicyRules,
  installPlatform,
  onboardingBackendPolicyRules,
  seedCluster,
  seedEdgeCluster,
  seedEdgeGitOpsRepository,
  seedEdgeVault,
  seedGitOpsRepository,
  seedLabGitOpsRepository,
  seedVault,
  rotateSeedValue,
} from './seedSandbox';
import { VaultRootClient } from './VaultRootClient';

/** Ports the sandbox listens on (127.0.0.1 only); 0 picks a free one (tests). */
export interface SandboxPorts {
  vault: number;
  kubernetes: number;
  /** the second cluster's API server */
  edgeKubernetes: number;
  /** the third cluster's API server */
  labKubernetes: number;
  github: number;
  admin: number;
}

export const DEFAULT_SANDBOX_PORTS: SandboxPorts = {
  vault: 8200,
  kubernetes: 6443,
  edgeKubernetes: 6444,
  labKubernetes: 6445,
  github: 7080,
  admin: 7090,
};

/** How to start the sandbox. */
export interface SandboxOptions {
  /** Where the CA files, generated credentials and `ready.json` go (git-ignored `.sandbox/`). */
  outputDir: string;
  /**
   * Keeps everything here across restarts (CAs, Git repositories, and in `state.json` Vault,
   * the cluster's objects, pull requests and the backend's credentials); memory otherwise.
   */
  stateDir?: string;
  ports?: Partial<SandboxPorts>;
  /** One line per notable event; never receives a secret value. */
  log?: (line: string) => void;
}

/** What a started sandbox serves, as written to `ready.json`. */
export interface SandboxInfo {
  pid: number;
  vaultUrl: string;
  kubernetesUrl: string;
  /** The second cluster (`edge`): its own API server, CA, ESO and Vault auth mount. */
  edgeCluster: { name: string; url: string; vaultAuthMount: string };
  /**
   * The third cluster (`lab`): its own API server, CA and ESO, not onboarded to Vault at start
   * (`vaultAuthMount` is the mount the onboarding template creates).
   */
  labCluster: { name: string; url: string; vaultAuthMount: string };
  githubUrl: string;
  githubApiUrl: string;
  adminUrl: string;
  gitopsRepository: string;
  files: Record<string, string>;
}

const LOOPBACK = '127.0.0.1';

async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>(resolve => server.close(() => resolve()));
}

function token(prefix: string): string {
  return `${prefix}.${randomBytes(24).toString('base64url')}`;
}

const BACKEND_VAULT_TOKEN_TTL = 30 * 86_400;
const REVIEWER_JWT_SECONDS = 365 * 86_400;
/** A long-lived token, as a `kubernetes.io/service-account-token` Secret would hold. */
const BACKEND_KUBE_TOKEN_SECONDS = 365 * 86_400;

/** The backend's cluster token: the saved one while it still authenticates as the backend. */
async function backendClusterToken(
  cluster: KubernetesEmulator,
  saved: string | undefined,
): Promise<string> {
  const backend = serviceAccountUser(
    BACKEND_NAMESPACE,
    BACKEND_SERVICE_ACCOUNT,
  );
  const user = saved && (await cluster.authenticateToken(saved));
  if (user && user.username === backend.username) {
    return saved!;
  }
  return cluster.issueServiceAccountToken({
    namespace: BACKEND_NAMESPACE,
    name: BACKEND_SERVICE_ACCOUNT,
    expirationSeconds: BACKEND_KUBE_TOKEN_SECONDS,
  });
}

/**
 * Puts a saved state back into fresh emulators, then points what the saved objects address
 * (Vault's `kubernetes_host` and CA, the stores' Vault `server`, the Vault CA ConfigMap) at this
 * start's ports and certificates when they changed. Answers the correct auth config.
 */
async function restoreState(options: {
  saved: SandboxState;
  vault: VaultEmulator;
  vaultRoot: VaultRootClient;
  vaultUrl: string;
  vaultCaPem: string;
  cluster: KubernetesEmulator;
  backendClusterRole: KubeObject;
  github: GitHubEmulator;
  log: (line: string) => void;
}): Promise<KubernetesAuthConfig> {
  const { saved, vault, vaultRoot, vaultUrl, cluster, github, log } = options;
  cluster.importState({ ...saved.cluster, caCertPem: cluster.caCertPem });
  await installPlatform(cluster, options.backendClusterRole);
  vault.importState(saved.vault);
  for (const missing of github.importState(saved.github)) {
    log(`state: repository ${missing} is not in the state directory any more`);
  }

  const reviewerValid = await cluster.verifyServiceAccountToken(
    saved.authConfig.token_reviewer_jwt,
  );
  const authConfig: KubernetesAuthConfig = {
    ...saved.authConfig,
    kubernetes_host: cluster.url,
    kubernetes_ca_cert:
      cluster.caCertPem ?? saved.authConfig.kubernetes_ca_cert,
    token_reviewer_jwt: reviewerValid
      ? saved.authConfig.token_reviewer_jwt
      : await cluster.issueServiceAccountToken({
          namespace: REVIEWER_NAMESPACE,
          name: REVIEWER_SERVICE_ACCOUNT,
          expirationSeconds: REVIEWER_JWT_SECONDS,
        }),
  };
  await vaultRoot.write('auth/kubernetes/config', authConfig);

  const oldVaultUrl = saved.addresses.vaultUrl;
  if (oldVaultUrl !== vaultUrl) {
    for (const plural of ['clustersecretstores', 'secretstores']) {
      const type = cluster.type(plural);
      for (const store of cluster.objects.list(type)) {
        if ((store.spec as any)?.provider?.vault?.server === oldVaultUrl) {
          await cluster.objects.patch(
            type,
            store.metadata.namespace,
            store.metadata.name!,
            'merge',
            { spec: { provider: { vault: { server: vaultUrl } } } },
          );
        }
      }
    }
  }
  const configMaps = cluster.type('configmaps');
  try {
    const vaultCa = cluster.objects.get(configMaps, ESO_NAMESPACE, 'vault-ca');
    if ((vaultCa.data as any)?.['ca.crt'] !== options.vaultCaPem) {
      await cluster.objects.patch(
        configMaps,
        ESO_NAMESPACE,
        'vault-ca',
        'merge',
        { data: { 'ca.crt': options.vaultCaPem } },
      );
    }
  } catch {
    // deleted on purpose: left as it is
  }
  return authConfig;
}

/**
 * The whole sandbox in one process: Vault over HTTPS, the Kubernetes API over HTTPS with the ESO
 * simulation, the GitHub API with real Git repositories, the Argo CD sync of merged pull
 * requests, the seed of the three example services, and the admin API that merges pull
 * requests and injects faults. Certificates and credentials are generated at start.
 */
export class Sandbox {
  readonly vault: VaultEmulator;
  readonly cluster: KubernetesEmulator;
  /** The second cluster; not kept in `state.json`: it starts fresh and Argo CD fills it. */
  readonly edgeCluster: KubernetesEmulator;
  /** The third cluster, not onboarded at start; not kept in `state.json` either. */
  readonly labCluster: KubernetesEmulator;
  readonly github: GitHubEmulator;
  readonly faults: SandboxFaults;
  readonly argo: ArgoSync;
  readonly info: SandboxInfo;
  private readonly eso: EsoController;
  private readonly edgeEso: EsoController;
  private readonly labEso: EsoController;
  /** Argo CD's sync of each GitOps repository (by name, owner GITOPS_OWNER). */
  private readonly gitopsSyncs: Map<string, ArgoSync>;
  private readonly servers: http.Server[];
  private readonly saver: StateSaver | undefined;
  private readonly log: (line: string) => void;

  private constructor(parts: {
    vault: VaultEmulator;
    cluster: KubernetesEmulator;
    edgeCluster: KubernetesEmulator;
    labCluster: KubernetesEmulator;
    github: GitHubEmulator;
    faults: SandboxFaults;
    argo: ArgoSync;
    gitopsSyncs: Map<string, ArgoSync>;
    eso: EsoController;
    edgeEso: EsoController;
    labEso: EsoController;
    servers: http.Server[];
    info: SandboxInfo;
    saver?: StateSaver;
    log: (line: string) => void;
  }) {
    this.vault = parts.vault;
    this.cluster = parts.cluster;
    this.edgeCluster = parts.edgeCluster;
    this.labCluster = parts.labCluster;
    this.github = parts.github;
    this.faults = parts.faults;
    this.argo = parts.argo;
    this.eso = parts.eso;
    this.edgeEso = parts.edgeEso;
    this.labEso = parts.labEso;
    this.gitopsSyncs = parts.gitopsSyncs;
    this.servers = parts.servers;
    this.info = parts.info;
    this.saver = parts.saver;
    this.log = parts.log;
  }

  static async start(options: SandboxOptions): Promise<Sandbox> {
    const log = options.log ?? (() => undefined);
    const ports = { ...DEFAULT_SANDBOX_PORTS, ...options.ports };
    // a free port for the first cluster (tests) means free ones for the others as well
    if (options.ports?.kubernetes === 0) {
      ports.edgeKubernetes = options.ports.edgeKubernetes ?? 0;
      ports.labKubernetes = options.ports.labKubernetes ?? 0;
    }
    const outputDir = path.resolve(options.outputDir);
    await fs.mkdir(outputDir, { recursive: true });
    await fs.rm(path.join(outputDir, SANDBOX_FILES.ready), { force: true });
    const stateDir = options.stateDir && path.resolve(options.stateDir);
    let saved: SandboxState | undefined;
    if (stateDir) {
      await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
      saved = await readSandboxState(stateDir);
    }
    const certificates: SandboxCertificates = await loadCertificates(
      stateDir && path.join(stateDir, 'tls'),
    );

    const backendClusterRole = await readBackendClusterRole();
    const backendVaultPolicy = await readBackendVaultPolicy();

    const servers: http.Server[] = [];
    let startedGithub: GitHubEmulator | undefined;
    try {
      const vault = new VaultEmulator({ rootToken: token('hvs.root') });
      const vaultServer = https.createServer({
        key: certificates.vaultServer.keyPem,
        cert: certificates.vaultServer.certPem,
      });
      servers.push(vaultServer);
      vaultServer.on('request', createVaultRequestListener(vault));
      const vaultUrl = `https://${LOOPBACK}:${await listen(
        vaultServer,
        ports.vault,
      )}`;

      const kubeServer = https.createServer({
        key: certificates.kubeServer.keyPem,
        cert: certificates.kubeServer.certPem,
      });
      servers.push(kubeServer);
      const kubePort = await listen(kubeServer, ports.kubernetes);
      // kubectl's admin identity (a bare static token is a cluster administrator), per start
      const adminKubeToken = token('sandbox-admin');
      const cluster = new KubernetesEmulator({
        url: `https://${LOOPBACK}:${kubePort}`,
        caCertPem: certificates.kubeCa.certPem,
        tokens: [adminKubeToken],
      });
      kubeServer.on('request', createKubernetesRequestListener(cluster));

      // the further clusters: each its own API server, CA and credentials
      const startCluster = async (
        tls: { keyPem: string; certPem: string },
        caCertPem: string,
        port: number,
      ) => {
        const server = https.createServer({
          key: tls.keyPem,
          cert: tls.certPem,
        });
        servers.push(server);
        const emulator = new KubernetesEmulator({
          url: `https://${LOOPBACK}:${await listen(server, port)}`,
          caCertPem,
          tokens: [adminKubeToken],
        });
        server.on('request', createKubernetesRequestListener(emulator));
        return emulator;
      };
      const edgeCluster = await startCluster(
        certificates.edgeKubeServer,
        certificates.edgeKubeCa.certPem,
        ports.edgeKubernetes,
      );
      const labCluster = await startCluster(
        certificates.labKubeServer,
        certificates.labKubeCa.certPem,
        ports.labKubernetes,
      );
      // each auth mount's TokenReview goes to the cluster its kubernetes_host names
      vault.setTokenReviewer(
        createMultiClusterTokenReviewer([cluster, edgeCluster, labCluster]),
      );

      const githubToken =
        saved?.credentials.githubToken ?? token('ghp_sandbox');
      const github = new GitHubEmulator({
        dataDir: stateDir && path.join(stateDir, 'github'),
      });
      const githubInfo = await github.start(ports.github);
      startedGithub = github;

      const vaultRoot = new VaultRootClient(vault);
      // Argo CD for a further cluster: its repository applied now, and each merge after
      const syncFurtherCluster = async (
        target: KubernetesEmulator,
        repo: string,
      ) => {
        const sync = new ArgoSync(
          target.clientFor({
            user: serviceAccountUser(ARGOCD_NAMESPACE, ARGOCD_SERVICE_ACCOUNT),
          }),
          github,
          GITOPS_OWNER,
          repo,
        );
        for (const failed of (await sync.syncAll()).filter(
          r => r.action === 'failed',
        )) {
          log(
            `argo sync (${repo}): ${failed.kind} ${failed.name} in ${failed.file} failed: ${failed.error}`,
          );
        }
        sync.watchMerges();
        return sync;
      };
      const argo = new ArgoSync(
        cluster.clientFor({
          user: serviceAccountUser(ARGOCD_NAMESPACE, ARGOCD_SERVICE_ACCOUNT),
        }),
        github,
        GITOPS_OWNER,
        GITOPS_REPO,
      );
      let authConfig: KubernetesAuthConfig;
      let backendVaultToken: string;
      if (saved) {
        const file = path.join(stateDir!, STATE_FILE);
        try {
          authConfig = await restoreState({
            saved,
            vault,
            vaultRoot,
            vaultUrl,
            vaultCaPem: certificates.vaultCa.certPem,
            cluster,
            backendClusterRole,
            github,
            log,
          });
        } catch (error) {
          throw stateFileError(file, (error as Error).message);
        }
        // the backend keeps its token while it lives; a new one only once it expired
        backendVaultToken = vault.isTokenValid(saved.credentials.vaultToken)
          ? saved.credentials.vaultToken
          : vault.createToken({
              policies: [BACKEND_POLICY_NAME],
              ttl: BACKEND_VAULT_TOKEN_TTL,
            });
        // merged pull requests were applied before the save: no sync of the whole branch
        log(`state restored from ${file}`);
      } else {
        await installPlatform(cluster, backendClusterRole);
        await seedCluster(cluster, certificates.vaultCa.certPem);
        authConfig = {
          kubernetes_host: cluster.url,
          kubernetes_ca_cert: certificates.kubeCa.certPem,
          token_reviewer_jwt: await cluster.issueServiceAccountToken({
            namespace: REVIEWER_NAMESPACE,
            name: REVIEWER_SERVICE_ACCOUNT,
            expirationSeconds: REVIEWER_JWT_SECONDS,
          }),
          disable_local_ca_jwt: true,
        };
        await seedVault(vaultRoot, authConfig);
        backendVaultToken = vault.createToken({
          policies: [BACKEND_POLICY_NAME],
          ttl: BACKEND_VAULT_TOKEN_TTL,
        });

        await seedGitOpsRepository(github, vaultUrl);
        const firstSync = await argo.syncAll();
        for (const failed of firstSync.filter(r => r.action === 'failed')) {
          log(
            `argo sync: ${failed.kind} ${failed.name} in ${failed.file} failed: ${failed.error}`,
          );
        }
      }
      argo.watchMerges();
      // the shipped files are the backend's authority, also over a state saved by an older
      // version, plus the same rules for the further clusters' auth mounts, and for the third
      // cluster what its onboarding needs (the templates run with the backend's token)
      await vaultRoot.write(`sys/policies/acl/${BACKEND_POLICY_NAME}`, {
        policy: [
          backendVaultPolicy.trimEnd(),
          `# the sandbox's second cluster\n${clusterMountBackendPolicyRules(
            EDGE_AUTH_MOUNT,
          )}`,
          `# the sandbox's third cluster, and its onboarding\n${clusterMountBackendPolicyRules(
            LAB_AUTH_MOUNT,
          )}${onboardingBackendPolicyRules(LAB_AUTH_MOUNT)}`,
        ].join('\n\n'),
      });
      const backendKubeToken = await backendClusterToken(
        cluster,
        saved?.credentials.kubeToken,
      );

      // The second cluster starts empty at every start: the platform (ESO, reviewer, backend
      // account), its mount in Vault with its own reviewer, then Argo CD applies its repository.
      await installPlatform(edgeCluster, backendClusterRole);
      await seedEdgeCluster(edgeCluster, certificates.vaultCa.certPem);
      await seedEdgeVault(vaultRoot, {
        kubernetes_host: edgeCluster.url,
        kubernetes_ca_cert: certificates.edgeKubeCa.certPem,
        token_reviewer_jwt: await edgeCluster.issueServiceAccountToken({
          namespace: REVIEWER_NAMESPACE,
          name: REVIEWER_SERVICE_ACCOUNT,
          expirationSeconds: REVIEWER_JWT_SECONDS,
        }),
        disable_local_ca_jwt: true,
      });
      await seedEdgeGitOpsRepository(github, vaultUrl);
      const edgeArgo = await syncFurtherCluster(edgeCluster, EDGE_GITOPS_REPO);
      const edgeBackendKubeToken = await backendClusterToken(
        edgeCluster,
        undefined,
      );

      // The third cluster starts empty at every start too, and is not onboarded: ESO and the
      // backend's and Argo CD's accounts, but no reviewer, no vault-ca and no mount in Vault.
      // Argo CD applies its repository, which holds what the onboarding merged into it.
      await installPlatform(labCluster, backendClusterRole, {
        reviewer: false,
      });
      await seedLabGitOpsRepository(github);
      const labArgo = await syncFurtherCluster(labCluster, LAB_GITOPS_REPO);
      const labBackendKubeToken = await backendClusterToken(
        labCluster,
        undefined,
      );

      const eso = new EsoController({
        cluster,
        onError: error => log(`eso simulation: ${error.message}`),
      });
      eso.start();
      const edgeEso = new EsoController({
        cluster: edgeCluster,
        onError: error => log(`eso simulation (edge): ${error.message}`),
      });
      edgeEso.start();
      const labEso = new EsoController({
        cluster: labCluster,
        onError: error => log(`eso simulation (lab): ${error.message}`),
      });
      labEso.start();

      const faults = new SandboxFaults({
        vault,
        vaultRoot,
        cluster,
        authConfig,
      });
      const adminServer = http.createServer();
      servers.push(adminServer);
      const adminPort = await listen(adminServer, ports.admin);

      const files = {
        vaultCa: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.vaultCa,
          certificates.vaultCa.certPem,
        ),
        kubeCa: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.kubeCa,
          certificates.kubeCa.certPem,
        ),
        vaultToken: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.vaultToken,
          backendVaultToken,
          true,
        ),
        kubeToken: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.kubeToken,
          backendKubeToken,
          true,
        ),
        edgeKubeCa: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.edgeKubeCa,
          certificates.edgeKubeCa.certPem,
        ),
        edgeKubeToken: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.edgeKubeToken,
          edgeBackendKubeToken,
          true,
        ),
        labKubeCa: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.labKubeCa,
          certificates.labKubeCa.certPem,
        ),
        labKubeToken: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.labKubeToken,
          labBackendKubeToken,
          true,
        ),
        githubToken: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.githubToken,
          githubToken,
          true,
        ),
        kubeconfig: '',
      };
      files.kubeconfig = await writeSandboxFile(
        outputDir,
        SANDBOX_FILES.kubeconfig,
        renderKubeconfig({
          server: cluster.url,
          caFile: files.kubeCa,
          identities: [
            { name: 'sandbox-admin', token: adminKubeToken },
            { name: 'sandbox-backend', token: backendKubeToken },
          ],
          moreClusters: [
            {
              name: `gitops-secrets-${EDGE_CLUSTER_NAME}`,
              server: edgeCluster.url,
              caFile: files.edgeKubeCa,
              identities: [
                { name: `${EDGE_CLUSTER_NAME}-admin`, token: adminKubeToken },
                {
                  name: `${EDGE_CLUSTER_NAME}-backend`,
                  token: edgeBackendKubeToken,
                },
              ],
            },
            {
              name: `gitops-secrets-${LAB_CLUSTER_NAME}`,
              server: labCluster.url,
              caFile: files.labKubeCa,
              identities: [
                { name: `${LAB_CLUSTER_NAME}-admin`, token: adminKubeToken },
                {
                  name: `${LAB_CLUSTER_NAME}-backend`,
                  token: labBackendKubeToken,
                },
              ],
            },
          ],
        }),
        true,
      );
      const info: SandboxInfo = {
        pid: process.pid,
        vaultUrl,
        kubernetesUrl: cluster.url,
        edgeCluster: {
          name: EDGE_CLUSTER_NAME,
          url: edgeCluster.url,
          vaultAuthMount: EDGE_AUTH_MOUNT,
        },
        labCluster: {
          name: LAB_CLUSTER_NAME,
          url: labCluster.url,
          vaultAuthMount: LAB_AUTH_MOUNT,
        },
        githubUrl: githubInfo.baseUrl,
        githubApiUrl: githubInfo.apiBaseUrl,
        adminUrl: `http://${LOOPBACK}:${adminPort}`,
        gitopsRepository: `${githubInfo.baseUrl}/${GITOPS_OWNER}/${GITOPS_REPO}`,
        files,
      };
      const saver =
        stateDir &&
        new StateSaver(
          stateDir,
          () =>
            // a fault's broken state is never saved: the last good state stays on disk
            faults.list().length > 0
              ? undefined
              : {
                  version: 1,
                  addresses: { vaultUrl, kubernetesUrl: cluster.url },
                  credentials: {
                    vaultToken: backendVaultToken,
                    kubeToken: backendKubeToken,
                    githubToken,
                  },
                  authConfig: { ...authConfig },
                  vault: vault.exportState(),
                  cluster: cluster.exportState(),
                  github: github.exportState(),
                },
          log,
        );
      const sandbox = new Sandbox({
        vault,
        cluster,
        edgeCluster,
        labCluster,
        github,
        faults,
        argo,
        gitopsSyncs: new Map([
          [GITOPS_REPO, argo],
          [EDGE_GITOPS_REPO, edgeArgo],
          [LAB_GITOPS_REPO, labArgo],
        ]),
        eso,
        edgeEso,
        labEso,
        servers,
        info,
        saver: saver || undefined,
        log,
      });
      adminServer.on(
        'request',
        createAdminRequestListener(sandbox.adminRoutes()),
      );

      await writeSandboxFile(
        outputDir,
        SANDBOX_FILES.env,
        [
          `SANDBOX_VAULT_ADDR=${vaultUrl}`,
          `SANDBOX_VAULT_CACERT=${files.vaultCa}`,
          `SANDBOX_KUBERNETES_URL=${cluster.url}`,
          `SANDBOX_KUBERNETES_CA_FILE=${files.kubeCa}`,
          `SANDBOX_EDGE_KUBERNETES_URL=${edgeCluster.url}`,
          `SANDBOX_EDGE_KUBERNETES_CA_FILE=${files.edgeKubeCa}`,
          `SANDBOX_LAB_KUBERNETES_URL=${labCluster.url}`,
          `SANDBOX_LAB_KUBERNETES_CA_FILE=${files.labKubeCa}`,
          `SANDBOX_GITHUB_API_URL=${githubInfo.apiBaseUrl}`,
          `SANDBOX_ADMIN_URL=${info.adminUrl}`,
          '',
        ].join('\n'),
      );
      await writeSandboxFile(
        outputDir,
        SANDBOX_FILES.ready,
        `${JSON.stringify(info, null, 2)}\n`,
      );
      if (saver) {
        await saver.save();
        saver.start();
      }
      log(
        `ready: vault ${vaultUrl}, kubernetes ${cluster.url} (edge ${edgeCluster.url}, lab ${labCluster.url}), github ${githubInfo.apiBaseUrl}, admin ${info.adminUrl}`,
      );
      log(
        `kubectl: export KUBECONFIG=${files.kubeconfig} (contexts sandbox-admin, sandbox-backend, edge-admin, edge-backend, lab-admin, lab-backend)`,
      );
      return sandbox;
    } catch (error) {
      await Promise.all(servers.map(server => close(server)));
      await startedGithub?.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.eso.stop();
    this.edgeEso.stop();
    this.labEso.stop();
    if (this.saver) {
      this.saver.stop();
      // faults end with the process: the state is saved as clearing them leaves it
      try {
        await this.faults.clearAll();
      } catch (error) {
        this.log(`clearing faults before saving failed: ${error}`);
      }
      try {
        if (!(await this.saver.save())) {
          this.log(
            `a fault is still active: ${this.saver.file} keeps the last state saved without it`,
          );
        }
      } catch (error) {
        this.log(`saving state to ${this.saver.file} failed: ${error}`);
      }
    }
    this.cluster.close();
    this.edgeCluster.close();
    this.labCluster.close();
    await this.github.stop();
    await Promise.all(this.servers.map(server => close(server)));
    // credentials die with the process that issued them
    const {
      vaultToken,
      kubeToken,
      edgeKubeToken,
      labKubeToken,
      githubToken,
      kubeconfig,
    } = this.info.files;
    const ready = path.join(path.dirname(vaultToken), SANDBOX_FILES.ready);
    for (const file of [
      ready,
      vaultToken,
      kubeToken,
      edgeKubeToken,
      labKubeToken,
      githubToken,
      kubeconfig,
    ]) {
      await fs.rm(file, { force: true });
    }
  }

  /** A short state of every ExternalSecret and store: Ready condition only, never data. */
  status() {
    const summarize = (plural: string) =>
      this.cluster.objects.list(this.cluster.type(plural)).map(object => {
        const ready = ((object.status as any)?.conditions ?? []).find(
          (c: any) => c.type === 'Ready',
        );
        return {
          namespace: object.metadata.namespace,
          name: object.metadata.name,
          ready: ready?.status ?? 'Unknown',
          reason: ready?.reason,
          message: ready?.message,
        };
      });
    return {
      clusterSecretStores: summarize('clustersecretstores'),
      secretStores: summarize('secretstores'),
      externalSecrets: summarize('externalsecrets'),
    };
  }

  private adminRoutes() {
    const repoOf = (query: URLSearchParams) => {
      const [owner, repo] = (
        query.get('repo') ?? `${GITOPS_OWNER}/${GITOPS_REPO}`
      ).split('/');
      if (!owner || !repo) {
        throw new InputError('repo must be "<owner>/<name>"');
      }
      return { owner, repo };
    };
    return [
      {
        method: 'GET' as const,
        pattern: /^\/health$/,
        handle: async () => ({ ready: true, ...this.info }),
      },
      {
        method: 'GET' as const,
        pattern: /^\/status$/,
        handle: async () => this.status(),
      },
      {
        method: 'GET' as const,
        pattern: /^\/pulls$/,
        handle: async (
          _m: RegExpExecArray,
          _b: unknown,
          query: URLSearchParams,
        ) => {
          const { owner, repo } = repoOf(query);
          return { pulls: this.pullRequests(owner, repo) };
        },
      },
      {
        method: 'POST' as const,
        pattern: /^\/pulls\/(\d+)\/merge$/,
        handle: async (
          m: RegExpExecArray,
          _b: unknown,
          query: URLSearchParams,
        ) => {
          const { owner, repo } = repoOf(query);
          const number = Number(m[1]);
          const pull = this.pullRequests(owner, repo).find(
            p => p.number === number,
          );
          if (!pull) {
            throw new NotFoundError(
              `pull request #${number} not found in ${owner}/${repo}`,
            );
          }
          if (pull.state !== 'open') {
            throw new InputError(
              `pull request #${number} is ${pull.merged ? 'merged' : 'closed'}`,
            );
          }
          // what Argo CD applied of it to the cluster of that repository
          const argo =
            owner === GITOPS_OWNER ? this.gitopsSyncs.get(repo) : undefined;
          const before = argo?.syncs.length ?? 0;
          const sha = await this.github.mergePullRequest(owner, repo, number);
          const applied =
            argo && argo.syncs.length > before ? argo.syncs.at(-1) : [];
          return { merged: true, sha, applied };
        },
      },
      {
        method: 'GET' as const,
        pattern: /^\/faults$/,
        handle: async () => ({
          available: FAULT_NAMES,
          active: this.faults.list(),
        }),
      },
      {
        method: 'POST' as const,
        pattern: /^\/faults\/([a-z-]+)$/,
        handle: async (m: RegExpExecArray, body: Record<string, any>) => ({
          injected: await this.faults.inject(m[1], body.service),
        }),
      },
      {
        method: 'DELETE' as const,
        pattern: /^\/faults$/,
        handle: async () => {
          await this.faults.clearAll();
          return { active: this.faults.list() };
        },
      },
      {
        method: 'DELETE' as const,
        pattern: /^\/faults\/([a-z-]+)$/,
        handle: async (m: RegExpExecArray) => {
          await this.faults.clear(m[1]);
          return { active: this.faults.list() };
        },
      },
      {
        method: 'POST' as const,
        pattern: /^\/services\/([a-z0-9-]+)\/rotate$/,
        handle: async (m: RegExpExecArray) =>
          rotateSeedValue(new VaultRootClient(this.vault), m[1]),
      },
      {
        method: 'POST' as const,
        pattern: /^\/services\/([a-z0-9-]+)\/sync$/,
        handle: async (m: RegExpExecArray) => ({
          forceSynced: this.faults.forceSync(m[1]),
        }),
      },
    ];
  }

  private pullRequests(owner: string, repo: string) {
    try {
      return this.github.pullRequests(owner, repo);
    } catch {
      throw new NotFoundError(`repository ${owner}/${repo} not found`);
    }
  }
}
