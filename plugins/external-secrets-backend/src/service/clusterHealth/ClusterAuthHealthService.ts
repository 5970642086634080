import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ClusterAuthHealth,
  ESO_DEFAULT_KUBERNETES_AUTH_MOUNT,
  kubernetesAuthMountFor,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  ClusterCache,
  describeVaultError,
  KubernetesAuthConfigInfo,
  SecretStoreObject,
  VaultErrorDetails,
} from '@gitops-secrets/plugin-external-secrets-node';
import { ClusterTrustResolver } from '../diagnosis/clusterTrust';
import {
  assessClusterAuth,
  MountReading,
  StoreLogin,
} from './assessClusterAuth';

/** The one Vault read the cluster health needs: `auth/<mount>/config` (never the reviewer JWT). */
export interface KubernetesAuthConfigReader {
  readKubernetesAuthConfig(
    mount: string,
  ): Promise<KubernetesAuthConfigInfo | undefined>;
}

export interface ClusterAuthHealthServiceOptions {
  clusters: ClusterCache[];
  /** undefined when `externalSecrets.vault` is not usable: the health is then Unknown */
  vault?: KubernetesAuthConfigReader;
  logger: LoggerService;
  /** how long one cluster's answer is reused; default 10 s */
  ttlMs?: number;
  /** longest wait for Vault; default 5 s (the read has its own timeout too) */
  timeoutMs?: number;
  now?: () => Date;
  trust?: ClusterTrustResolver;
}

const LOGIN_DENIED = /log ?in/i;
const PERMISSION_DENIED = /permission denied/i;

function mountOf(store: SecretStoreObject): string | undefined {
  const kubernetes = store.spec?.provider?.vault?.auth?.kubernetes;
  if (!kubernetes) return undefined;
  return (kubernetes.mountPath ?? ESO_DEFAULT_KUBERNETES_AUTH_MOUNT).replace(
    /^\/+|\/+$/g,
    '',
  );
}

/** Vault answers a path below a mount that does not exist with 404 "no handler for route". */
function isMissingMount(error: unknown): boolean {
  const details = error as VaultErrorDetails;
  return (
    details?.vaultStatus === 404 &&
    (details.vaultMessages ?? []).some(m => /no handler for route/i.test(m))
  );
}

function clusterMountOf(cluster: ClusterCache): string {
  return (
    cluster.config.vaultAuthMount ?? kubernetesAuthMountFor(cluster.config)
  );
}

/**
 * The Vault-auth health of each configured cluster (see `assessClusterAuth`): one Vault read of
 * the cluster's `auth/<mount>/config`, compared with the URL and CA the backend reaches the
 * cluster with, and the cluster's stores from the in-memory cache. Answers are reused for a
 * short TTL (one entry per configured cluster, so the cache is bounded by the config), and a
 * Vault that does not answer in time makes the answer Unknown, never a hang.
 */
export class ClusterAuthHealthService {
  private readonly clusters: Map<string, ClusterCache>;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly trust: ClusterTrustResolver;
  private readonly cache = new Map<
    string,
    { at: number; answer: Promise<ClusterAuthHealth> }
  >();

  constructor(private readonly options: ClusterAuthHealthServiceOptions) {
    this.clusters = new Map(options.clusters.map(c => [c.name, c]));
    this.ttlMs = options.ttlMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.now = options.now ?? (() => new Date());
    this.trust = options.trust ?? new ClusterTrustResolver();
  }

  /** The configured cluster names, in config order. */
  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  /** The Vault Kubernetes auth mount of a configured cluster; undefined when none has that name. */
  vaultAuthMountOf(clusterName: string): string | undefined {
    const cluster = this.clusters.get(clusterName);
    return cluster ? clusterMountOf(cluster) : undefined;
  }

  /** The health of one configured cluster; undefined when no cluster has that name. */
  async health(clusterName: string): Promise<ClusterAuthHealth | undefined> {
    const cluster = this.clusters.get(clusterName);
    if (!cluster) return undefined;
    const at = this.now().getTime();
    const hit = this.cache.get(clusterName);
    if (hit && at - hit.at < this.ttlMs) {
      return hit.answer;
    }
    const answer = this.compute(cluster);
    this.cache.set(clusterName, { at, answer });
    return answer;
  }

  private async compute(cluster: ClusterCache): Promise<ClusterAuthHealth> {
    const mount = clusterMountOf(cluster);
    const trust = this.trust.resolve(cluster.config);
    const reading = await this.readMount(mount);
    return assessClusterAuth({
      cluster: {
        name: cluster.name,
        vaultAuthMount: mount,
        url: trust.url,
        caPem: trust.caPem,
        reachable: cluster.health().reachable,
      },
      mount: reading,
      stores: this.storesOf(cluster),
      now: this.now(),
    });
  }

  private async readMount(mount: string): Promise<MountReading> {
    const vault = this.options.vault;
    if (!vault) {
      return {
        kind: 'unreadable',
        reason: 'externalSecrets.vault is not configured or not usable',
      };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<MountReading>(resolve => {
      timer = setTimeout(
        () =>
          resolve({
            kind: 'unreadable',
            reason: `Vault did not answer within ${this.timeoutMs} ms`,
          }),
        this.timeoutMs,
      );
    });
    const read = vault.readKubernetesAuthConfig(mount).then(
      (config): MountReading =>
        config ? { kind: 'config', config } : { kind: 'not-configured' },
      (error): MountReading => {
        if (isMissingMount(error)) return { kind: 'mount-missing' };
        this.options.logger.warn(
          `Cluster health: reading auth/${mount}/config failed: ${error}`,
        );
        return { kind: 'unreadable', reason: describeVaultError(error) };
      },
    );
    try {
      return await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private storesOf(cluster: ClusterCache): StoreLogin[] {
    const logins: StoreLogin[] = [];
    for (const kind of ['ClusterSecretStore', 'SecretStore'] as const) {
      for (const store of cluster.listStores(kind)) {
        const mount = mountOf(store);
        if (!mount) continue;
        const namespace = store.metadata?.namespace;
        const name = store.metadata?.name ?? '';
        const ready = store.status?.conditions?.find(
          c => c?.type === 'Ready',
        )?.status;
        const newest = cluster.eventsFor(
          kind,
          kind === 'SecretStore' ? namespace : undefined,
          name,
        )[0];
        const message = newest?.message ?? '';
        logins.push({
          ref:
            kind === 'ClusterSecretStore'
              ? `ClusterSecretStore ${name}`
              : `SecretStore ${namespace}/${name}`,
          mount,
          ready: ready === 'True',
          loginDenied:
            ready !== 'True' &&
            newest?.type === 'Warning' &&
            LOGIN_DENIED.test(message) &&
            PERMISSION_DENIED.test(message),
        });
      }
    }
    return logins;
  }
}
