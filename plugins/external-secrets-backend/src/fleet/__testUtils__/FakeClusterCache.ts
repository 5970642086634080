import type { ClusterStatus } from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ClusterCacheChange,
  EventObject,
  ExternalSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';

type Kind = 'ClusterSecretStore' | 'SecretStore';

/**
 * The read side of a {@link ClusterCache} over plain maps, for tests of what is built on top of
 * the caches (fleet index, notifier): `put`/`remove` change it and emit the change the real
 * cache would, `down()`/`up()` flip its reachability.
 */
export class FakeClusterCache {
  readonly config: ClusterCache['config'];
  private readonly externalSecrets = new Map<string, ExternalSecretObject>();
  private readonly stores = new Map<string, SecretStoreObject>();
  private readonly events: EventObject[] = [];
  private readonly listeners = new Set<(change: ClusterCacheChange) => void>();
  private reachable = true;
  private error: string | undefined;

  constructor(readonly name: string) {
    this.config = {
      name,
      url: `https://${name}.example.test:6443`,
      authProvider: 'serviceAccount',
    } as ClusterCache['config'];
  }

  /** Typed as the real cache for the code under test. */
  asCache(): ClusterCache {
    return this as unknown as ClusterCache;
  }

  putExternalSecret(object: ExternalSecretObject) {
    const key = `${object.metadata?.namespace}/${object.metadata?.name}`;
    const type = this.externalSecrets.has(key) ? 'updated' : 'added';
    // a cache replaces the object on every update; so does the fake
    const copy = structuredClone(object);
    this.externalSecrets.set(key, copy);
    this.emit({ resource: 'ExternalSecret', type, object: copy });
  }

  removeExternalSecret(namespace: string, name: string) {
    const key = `${namespace}/${name}`;
    const object = this.externalSecrets.get(key);
    if (!object) return;
    this.externalSecrets.delete(key);
    this.emit({ resource: 'ExternalSecret', type: 'deleted', object });
  }

  putStore(kind: Kind, object: SecretStoreObject) {
    const key = `${kind}/${object.metadata?.namespace ?? ''}/${
      object.metadata?.name
    }`;
    const type = this.stores.has(key) ? 'updated' : 'added';
    const copy = structuredClone(object);
    this.stores.set(key, copy);
    this.emit({ resource: kind, type, object: copy });
  }

  putEvent(event: EventObject) {
    this.events.push(structuredClone(event));
    this.emit({ resource: 'Event', type: 'added', object: event });
  }

  down(error = 'connect ECONNREFUSED') {
    this.reachable = false;
    this.error = error;
  }

  up() {
    this.reachable = true;
    this.error = undefined;
  }

  onChange(listener: (change: ClusterCacheChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listExternalSecrets(namespace?: string): ExternalSecretObject[] {
    return [...this.externalSecrets.values()].filter(
      o => namespace === undefined || o.metadata?.namespace === namespace,
    );
  }

  getExternalSecret(
    namespace: string,
    name: string,
  ): ExternalSecretObject | undefined {
    return this.externalSecrets.get(`${namespace}/${name}`);
  }

  findExternalSecrets(): ExternalSecretObject[] {
    return this.listExternalSecrets();
  }

  getStore(
    kind: Kind,
    name: string,
    namespace?: string,
  ): SecretStoreObject | undefined {
    return this.stores.get(
      `${kind}/${kind === 'SecretStore' ? namespace ?? '' : ''}/${name}`,
    );
  }

  listStores(kind: Kind): SecretStoreObject[] {
    return [...this.stores.entries()]
      .filter(([key]) => key.startsWith(`${kind}/`))
      .map(([, store]) => store);
  }

  eventsFor(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): EventObject[] {
    return this.events
      .filter(
        e =>
          e.involvedObject?.kind === kind &&
          e.involvedObject?.name === name &&
          (e.involvedObject?.namespace ?? undefined) ===
            (kind === 'ClusterSecretStore' ? undefined : namespace),
      )
      .reverse();
  }

  /** Pods are not watched here: rows carry no consumers. */
  podsHealth(): { watched: boolean; listed: boolean; error?: string } {
    return { watched: false, listed: false };
  }

  findPushSecrets(): [] {
    return [];
  }

  listClusterExternalSecrets(): [] {
    return [];
  }

  getClusterExternalSecret(): undefined {
    return undefined;
  }

  podsUsing(): [] {
    return [];
  }

  health(): ClusterStatus {
    return {
      name: this.name,
      reachable: this.reachable,
      synced: true,
      lastSyncTime: '2026-06-01T12:00:00.000Z',
      error: this.error,
    };
  }

  private emit(change: Omit<ClusterCacheChange, 'cluster'>) {
    for (const listener of this.listeners) {
      listener({ cluster: this.name, ...change });
    }
  }
}
