import { isDeepStrictEqual } from 'node:util';
import { expired } from './kubernetesStatus';
import { KubeObject, WatchEventType } from './kubeObject';
import { ResourceType } from './resourceTypes';

/** One committed change, kept so watches can resume from a resourceVersion. */
export interface StoredChange {
  revision: number;
  type: WatchEventType;
  resourceType: ResourceType;
  object: KubeObject;
  /** The object before this change; absent for `ADDED`. */
  previous?: KubeObject;
}

/** Everything the store holds, for saving and restoring the emulator's state. */
export interface StoreSnapshot {
  revision: number;
  objects: Array<{ group: string; plural: string; object: KubeObject }>;
}

/** A listener on committed changes (watch streams, the ESO simulation, tests). */
export type ChangeListener = (change: StoredChange) => void;

function typeKey(type: ResourceType) {
  return `${type.group}/${type.plural}`;
}

function objectKey(namespace: string | undefined, name: string) {
  return `${namespace ?? ''}/${name}`;
}

/**
 * The emulated etcd: objects, one global revision counter that becomes every object's
 * `resourceVersion`, and a bounded history of changes that watches replay from. Compaction
 * forgets history, so resuming from an older revision fails with `410 Expired` like the real
 * API server.
 */
export class ObjectStore {
  /** Objects by resource type, then by `<namespace>/<name>`. */
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredChange[] = [];
  private revision = 1000;
  private compactedRevision = 1000;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly historyLimit: number) {}

  get currentRevision(): number {
    return this.revision;
  }

  get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const found = this.objects
      .get(typeKey(type))
      ?.get(objectKey(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const result: KubeObject[] = [];
    for (const object of this.objects.get(typeKey(type))?.values() ?? []) {
      if (!namespace || object.metadata.namespace === namespace) {
        result.push(structuredClone(object));
      }
    }
    return result.sort((a, b) =>
      objectKey(a.metadata.namespace, a.metadata.name!).localeCompare(
        objectKey(b.metadata.namespace, b.metadata.name!),
      ),
    );
  }

  /** Stores (or removes, for `DELETED`) the object at a new revision and tells listeners. */
  commit(
    type: WatchEventType,
    resourceType: ResourceType,
    object: KubeObject,
  ): KubeObject {
    this.revision += 1;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.revision);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name!);
    let ofType = this.objects.get(typeKey(resourceType));
    if (!ofType) {
      ofType = new Map();
      this.objects.set(typeKey(resourceType), ofType);
    }
    const previous = ofType.get(key);
    if (type === 'DELETED') {
      ofType.delete(key);
    } else {
      ofType.set(key, stored);
    }
    const change: StoredChange = {
      revision: this.revision,
      type,
      resourceType,
      object: stored,
      previous,
    };
    this.history.push(change);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(
        0,
        this.history.length - this.historyLimit,
      );
      this.compactedRevision = dropped[dropped.length - 1].revision;
    }
    for (const listener of [...this.listeners]) {
      listener(change);
    }
    return structuredClone(stored);
  }

  /** True when a write would change nothing but the server-managed fields. */
  static sameContent(a: KubeObject, b: KubeObject): boolean {
    const strip = (o: KubeObject) => ({
      ...o,
      metadata: { ...o.metadata, resourceVersion: undefined },
    });
    return isDeepStrictEqual(strip(a), strip(b));
  }

  /**
   * Changes of one resource type after `revision`; fails with `410 Expired` when history
   * before that point has been compacted away.
   */
  changesSince(revision: number, resourceType: ResourceType): StoredChange[] {
    if (revision < this.compactedRevision) {
      throw expired(
        `too old resource version: ${revision} (${this.compactedRevision})`,
      );
    }
    return this.history.filter(
      c => c.revision > revision && c.resourceType === resourceType,
    );
  }

  /** Forgets all history: any client holding an older resourceVersion must re-list. */
  compact(): void {
    this.revision += 1;
    this.compactedRevision = this.revision;
    this.history = [];
  }

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = [];
    for (const [key, ofType] of this.objects) {
      const [group, plural] = key.split('/');
      for (const object of ofType.values()) {
        objects.push({ group, plural, object: structuredClone(object) });
      }
    }
    return { revision: this.revision, objects };
  }

  /**
   * Replaces everything with a snapshot. History starts empty, so clients holding an older
   * resourceVersion re-list, as after an API server restart.
   */
  restore(snapshot: StoreSnapshot, types: readonly ResourceType[]): void {
    this.objects.clear();
    this.history = [];
    for (const { group, plural, object } of snapshot.objects) {
      const type = types.find(t => t.group === group && t.plural === plural);
      if (!type) {
        continue;
      }
      let ofType = this.objects.get(typeKey(type));
      if (!ofType) {
        ofType = new Map();
        this.objects.set(typeKey(type), ofType);
      }
      ofType.set(
        objectKey(object.metadata.namespace, object.metadata.name!),
        structuredClone(object),
      );
    }
    this.revision = snapshot.revision;
    this.compactedRevision = snapshot.revision;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
