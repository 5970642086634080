import type {
  ClusterCache,
  ClusterCacheChange,
  EventObject,
  ExternalSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { StoreVaultRef, VaultFactsProvider } from './VaultFactsProvider';

type StoreKind = 'ClusterSecretStore' | 'SecretStore';

function readyOf(object: { status?: { conditions?: unknown } } | undefined) {
  const conditions = object?.status?.conditions;
  const ready = Array.isArray(conditions)
    ? conditions.find(c => c?.type === 'Ready')
    : undefined;
  return `${ready?.status ?? ''}/${ready?.reason ?? ''}`;
}

function warningOf(events: EventObject[]): string {
  const newest = events.find(e => (e.type ?? 'Warning') === 'Warning');
  return newest ? `${newest.reason ?? ''}/${newest.message ?? ''}` : '';
}

function storeKindOf(kind: string | undefined): StoreKind {
  return kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
}

function vaultRefOf(store: SecretStoreObject | undefined): StoreVaultRef {
  const vault = store?.spec?.provider?.vault;
  return {
    server: vault?.server,
    path: vault?.path,
    authMountPath: vault?.auth?.kubernetes?.mountPath,
    role: vault?.auth?.kubernetes?.role,
  };
}

function remoteKeysOf(object: ExternalSecretObject): string[] {
  return [
    ...(object.spec?.data ?? []).map(d => d.remoteRef?.key),
    ...(object.spec?.dataFrom ?? []).map(d => d.extract?.key),
  ].filter((k): k is string => !!k);
}

/**
 * Keeps the Vault facts behind diagnosis no older than the state they explain: when an
 * ExternalSecret's or a store's Ready condition flips or a new Warning Event about it arrives,
 * the facts of that store (auth config, role, policies) and of the ExternalSecret's keys are
 * dropped, so the next status request reads Vault again instead of showing a cause that is
 * already gone. A repeated Warning (same reason and message, higher count) changes nothing.
 */
export class VaultFactsInvalidator {
  /** cluster → object key → `ready|warning` as last seen */
  private readonly seen = new Map<string, Map<string, string>>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly options: {
      clusters: ClusterCache[];
      facts: VaultFactsProvider;
    },
  ) {
    this.unsubscribe = options.clusters.map(cluster =>
      cluster.onChange(change => this.handle(cluster, change)),
    );
  }

  stop(): void {
    this.unsubscribe.forEach(u => u());
  }

  private handle(cluster: ClusterCache, change: ClusterCacheChange) {
    const { object } = change;
    switch (change.resource) {
      case 'ExternalSecret':
        this.externalSecretChanged(
          cluster,
          object.metadata?.namespace ?? '',
          object.metadata?.name ?? '',
          change.type === 'deleted',
        );
        return;
      case 'ClusterSecretStore':
      case 'SecretStore':
        this.storeChanged(
          cluster,
          change.resource,
          object.metadata?.namespace,
          object.metadata?.name ?? '',
          change.type === 'deleted',
        );
        return;
      case 'Event': {
        const involved = (object as EventObject).involvedObject ?? {};
        if (involved.kind === 'ExternalSecret') {
          this.externalSecretChanged(
            cluster,
            involved.namespace ?? '',
            involved.name ?? '',
            false,
          );
        } else if (
          involved.kind === 'ClusterSecretStore' ||
          involved.kind === 'SecretStore'
        ) {
          this.storeChanged(
            cluster,
            involved.kind,
            involved.namespace,
            involved.name ?? '',
            false,
          );
        }
        return;
      }
      default:
    }
  }

  /** Records the new fingerprint; true when it differs from the last one seen. */
  private changed(
    cluster: ClusterCache,
    key: string,
    fingerprint: string | undefined,
  ): boolean {
    let seen = this.seen.get(cluster.name);
    if (!seen) {
      seen = new Map();
      this.seen.set(cluster.name, seen);
    }
    const before = seen.get(key);
    if (fingerprint === undefined) {
      seen.delete(key);
    } else {
      seen.set(key, fingerprint);
    }
    return before !== fingerprint;
  }

  private externalSecretChanged(
    cluster: ClusterCache,
    namespace: string,
    name: string,
    deleted: boolean,
  ) {
    const object = deleted
      ? undefined
      : cluster.getExternalSecret(namespace, name);
    const fingerprint = object
      ? `${readyOf(object)}|${warningOf(
          cluster.eventsFor('ExternalSecret', namespace, name),
        )}`
      : undefined;
    if (!this.changed(cluster, `ES/${namespace}/${name}`, fingerprint)) {
      return;
    }
    if (!object) {
      return;
    }
    const kind = storeKindOf(object.spec?.secretStoreRef?.kind);
    const store = cluster.getStore(
      kind,
      object.spec?.secretStoreRef?.name ?? '',
      namespace,
    );
    this.options.facts.invalidate(vaultRefOf(store), remoteKeysOf(object));
  }

  private storeChanged(
    cluster: ClusterCache,
    kind: StoreKind,
    namespace: string | undefined,
    name: string,
    deleted: boolean,
  ) {
    const scope = kind === 'SecretStore' ? namespace : undefined;
    const store = deleted ? undefined : cluster.getStore(kind, name, scope);
    const fingerprint = store
      ? `${readyOf(store)}|${warningOf(cluster.eventsFor(kind, scope, name))}`
      : undefined;
    if (
      this.changed(cluster, `${kind}/${scope ?? ''}/${name}`, fingerprint) &&
      store
    ) {
      this.options.facts.invalidate(vaultRefOf(store));
    }
  }
}
