import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ClusterAuthHealth,
  DEFAULT_VAULT_CA_CONFIG_MAP,
  ESO_DEFAULT_KUBERNETES_AUTH_MOUNT,
  ESO_DEFAULT_SERVICE_ACCOUNT,
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
  ClusterSideReading,
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
  /** ESO's own account, asked about in client-JWT mode; default external-secrets/external-secrets */
  esoServiceAccount?: { namespace: string; name: string };
  /** the Vault CA ConfigMap looked for when no store names one; default external-secrets/vault-ca */
  vaultCaConfigMap?: { namespace: string; name: string; key: string };
}

/** At most this many SubjectAccessReviews and ConfigMap reads per cluster and answer. */
const MAX_ACCOUNT_PROBES = 10;
const MAX_CA_PROBES = 5;

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

function isReady(store: SecretStoreObject): boolean {
  return (
    store.status?.conditions?.find(c => c?.type === 'Ready')?.status === 'True'
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
    const reachable = cluster.health().reachable;
    const clusterSide = reachable
      ? await this.readClusterSide(cluster, mount, reading)
      : undefined;
    return assessClusterAuth({
      cluster: {
        name: cluster.name,
        vaultAuthMount: mount,
        url: trust.url,
        caPem: trust.caPem,
        reachable,
      },
      mount: reading,
      stores: this.storesOf(cluster),
      clusterSide,
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

  /**
   * Asks the cluster what Vault cannot tell: in client-JWT mode whether ESO's account and the
   * stores' accounts on this mount may create TokenReviews, and whether the ConfigMaps the
   * stores read Vault's CA from exist. Bounded in number and time; an unanswered question stays
   * undefined.
   */
  private async readClusterSide(
    cluster: ClusterCache,
    mount: string,
    reading: MountReading,
  ): Promise<ClusterSideReading> {
    const stores: SecretStoreObject[] = [];
    for (const kind of ['ClusterSecretStore', 'SecretStore'] as const) {
      for (const store of cluster.listStores(kind)) {
        if (mountOf(store) === mount) stores.push(store);
      }
    }
    const notReadyFirst = [...stores].sort(
      (a, b) => Number(isReady(a)) - Number(isReady(b)),
    );

    const accounts = new Map<string, { namespace: string; name: string }>();
    const clientJwt =
      reading.kind === 'config' && !reading.config.tokenReviewerJwtSet;
    if (clientJwt) {
      const eso = this.options.esoServiceAccount ?? ESO_DEFAULT_SERVICE_ACCOUNT;
      accounts.set(`${eso.namespace}/${eso.name}`, eso);
      for (const store of notReadyFirst) {
        const ref =
          store.spec?.provider?.vault?.auth?.kubernetes?.serviceAccountRef;
        const namespace =
          store.kind === 'SecretStore'
            ? store.metadata?.namespace
            : ref?.namespace;
        if (ref?.name && namespace) {
          accounts.set(`${namespace}/${ref.name}`, {
            namespace,
            name: ref.name,
          });
        }
      }
    }

    const cas = new Map<
      string,
      { namespace: string; name: string; key: string }
    >();
    for (const store of notReadyFirst) {
      const ca = store.spec?.provider?.vault?.caProvider;
      const namespace =
        store.kind === 'SecretStore'
          ? store.metadata?.namespace
          : ca?.namespace;
      if (ca?.type === 'ConfigMap' && ca.name && namespace) {
        const key = ca.key ?? DEFAULT_VAULT_CA_CONFIG_MAP.key;
        cas.set(`${namespace}/${ca.name}/${key}`, {
          namespace,
          name: ca.name,
          key,
        });
      }
    }
    if (stores.length === 0) {
      const ca = this.options.vaultCaConfigMap ?? DEFAULT_VAULT_CA_CONFIG_MAP;
      cas.set(`${ca.namespace}/${ca.name}/${ca.key}`, ca);
    }

    const warn = (error: unknown) =>
      this.options.logger.warn(
        `Cluster health of ${cluster.name}: ${(error as Error).message}`,
      );
    const [tokenReview, vaultCa] = await Promise.all([
      Promise.all(
        [...accounts.values()].slice(0, MAX_ACCOUNT_PROBES).map(account =>
          cluster.canReviewTokens(account, this.timeoutMs).then(
            allowed => ({
              account: `${account.namespace}/${account.name}`,
              allowed,
            }),
            error => {
              warn(error);
              return {
                account: `${account.namespace}/${account.name}`,
                allowed: undefined,
              };
            },
          ),
        ),
      ),
      Promise.all(
        [...cas.values()].slice(0, MAX_CA_PROBES).map(ca =>
          cluster.configMapKeyState(ca, this.timeoutMs).then(
            state => ({
              ref: `${ca.namespace}/${ca.name}`,
              key: ca.key,
              state,
            }),
            error => {
              warn(error);
              return {
                ref: `${ca.namespace}/${ca.name}`,
                key: ca.key,
                state: 'unknown' as const,
              };
            },
          ),
        ),
      ),
    ]);
    return { tokenReview, vaultCa };
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
