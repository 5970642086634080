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
  KubernetesEmulator,
  createKubernetesRequestListener,
  createTokenReviewer,
} from '../kubernetes';
import { VaultEmulator, createVaultRequestListener } from '../vault';
import { createAdminRequestListener } from './adminApi';
import { ArgoSync } from './ArgoSync';
import { SandboxCertificates, loadCertificates } from './sandboxCertificates';
import { SANDBOX_FILES, writeSandboxFile } from './sandboxFiles';
import { FAULT_NAMES, SandboxFaults } from './SandboxFaults';
import {
  BACKEND_POLICY_NAME,
  GITOPS_OWNER,
  GITOPS_REPO,
  KubernetesAuthConfig,
  REVIEWER_NAMESPACE,
  REVIEWER_SERVICE_ACCOUNT,
  seedCluster,
  seedGitOpsRepository,
  seedVault,
} from './seedSandbox';
import { VaultRootClient } from './VaultRootClient';

/** Ports the sandbox listens on (127.0.0.1 only); 0 picks a free one (tests). */
export interface SandboxPorts {
  vault: number;
  kubernetes: number;
  github: number;
  admin: number;
}

export const DEFAULT_SANDBOX_PORTS: SandboxPorts = {
  vault: 8200,
  kubernetes: 6443,
  github: 7080,
  admin: 7090,
};

/** How to start the sandbox. */
export interface SandboxOptions {
  /** Where the CA files, generated credentials and `ready.json` go (git-ignored `.sandbox/`). */
  outputDir: string;
  /** Keeps the CAs and the GitOps/service repositories here across restarts; memory otherwise. */
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

/**
 * The whole sandbox in one process: Vault over HTTPS, the Kubernetes API over HTTPS with the ESO
 * simulation, the GitHub API with real Git repositories, the Argo CD sync of merged pull
 * requests, the seed of the three example services, and the admin API that merges pull
 * requests and injects faults. Certificates and credentials are generated at start.
 */
export class Sandbox {
  readonly vault: VaultEmulator;
  readonly cluster: KubernetesEmulator;
  readonly github: GitHubEmulator;
  readonly faults: SandboxFaults;
  readonly argo: ArgoSync;
  readonly info: SandboxInfo;
  private readonly eso: EsoController;
  private readonly servers: http.Server[];

  private constructor(parts: {
    vault: VaultEmulator;
    cluster: KubernetesEmulator;
    github: GitHubEmulator;
    faults: SandboxFaults;
    argo: ArgoSync;
    eso: EsoController;
    servers: http.Server[];
    info: SandboxInfo;
  }) {
    this.vault = parts.vault;
    this.cluster = parts.cluster;
    this.github = parts.github;
    this.faults = parts.faults;
    this.argo = parts.argo;
    this.eso = parts.eso;
    this.servers = parts.servers;
    this.info = parts.info;
  }

  static async start(options: SandboxOptions): Promise<Sandbox> {
    const log = options.log ?? (() => undefined);
    const ports = { ...DEFAULT_SANDBOX_PORTS, ...options.ports };
    const outputDir = path.resolve(options.outputDir);
    await fs.mkdir(outputDir, { recursive: true });
    await fs.rm(path.join(outputDir, SANDBOX_FILES.ready), { force: true });
    const stateDir = options.stateDir && path.resolve(options.stateDir);
    const certificates: SandboxCertificates = await loadCertificates(
      stateDir && path.join(stateDir, 'tls'),
    );

    const servers: http.Server[] = [];
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
      const backendKubeToken = token('sandbox-kube');
      const cluster = new KubernetesEmulator({
        url: `https://${LOOPBACK}:${kubePort}`,
        caCertPem: certificates.kubeCa.certPem,
        tokens: [backendKubeToken],
      });
      kubeServer.on('request', createKubernetesRequestListener(cluster));
      vault.setTokenReviewer(createTokenReviewer(cluster));

      const githubToken = token('ghp_sandbox');
      const github = new GitHubEmulator({
        dataDir: stateDir && path.join(stateDir, 'github'),
      });
      const githubInfo = await github.start(ports.github);

      await seedCluster(cluster, certificates.vaultCa.certPem);
      const authConfig: KubernetesAuthConfig = {
        kubernetes_host: cluster.url,
        kubernetes_ca_cert: certificates.kubeCa.certPem,
        token_reviewer_jwt: await cluster.issueServiceAccountToken({
          namespace: REVIEWER_NAMESPACE,
          name: REVIEWER_SERVICE_ACCOUNT,
          expirationSeconds: 365 * 86_400,
        }),
        disable_local_ca_jwt: true,
      };
      const vaultRoot = new VaultRootClient(vault);
      await seedVault(vaultRoot, authConfig);
      const backendVaultToken = vault.createToken({
        policies: [BACKEND_POLICY_NAME],
        ttl: 30 * 86_400,
      });

      await seedGitOpsRepository(github, vaultUrl);
      const argo = new ArgoSync(cluster, github, GITOPS_OWNER, GITOPS_REPO);
      const firstSync = await argo.syncAll();
      for (const failed of firstSync.filter(r => r.action === 'failed')) {
        log(
          `argo sync: ${failed.kind} ${failed.name} in ${failed.file} failed: ${failed.error}`,
        );
      }
      argo.watchMerges();

      const eso = new EsoController({
        cluster,
        onError: error => log(`eso simulation: ${error.message}`),
      });
      eso.start();

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
        githubToken: await writeSandboxFile(
          outputDir,
          SANDBOX_FILES.githubToken,
          githubToken,
          true,
        ),
      };
      const info: SandboxInfo = {
        pid: process.pid,
        vaultUrl,
        kubernetesUrl: cluster.url,
        githubUrl: githubInfo.baseUrl,
        githubApiUrl: githubInfo.apiBaseUrl,
        adminUrl: `http://${LOOPBACK}:${adminPort}`,
        gitopsRepository: `${githubInfo.baseUrl}/${GITOPS_OWNER}/${GITOPS_REPO}`,
        files,
      };
      const sandbox = new Sandbox({
        vault,
        cluster,
        github,
        faults,
        argo,
        eso,
        servers,
        info,
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
      log(
        `ready: vault ${vaultUrl}, kubernetes ${cluster.url}, github ${githubInfo.apiBaseUrl}, admin ${info.adminUrl}`,
      );
      return sandbox;
    } catch (error) {
      await Promise.all(servers.map(server => close(server)));
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.eso.stop();
    this.cluster.close();
    await this.github.stop();
    await Promise.all(this.servers.map(server => close(server)));
    // credentials die with the process that issued them
    const { vaultToken, kubeToken, githubToken } = this.info.files;
    const ready = path.join(path.dirname(vaultToken), SANDBOX_FILES.ready);
    for (const file of [ready, vaultToken, kubeToken, githubToken]) {
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
          const before = this.argo.syncs.length;
          const sha = await this.github.mergePullRequest(owner, repo, number);
          const applied =
            this.argo.syncs.length > before ? this.argo.syncs.at(-1) : [];
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
