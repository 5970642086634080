import { mockServices } from '@backstage/backend-test-utils';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ClusterCacheChange,
  ExternalSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import knexFactory, { type Knex } from 'knex';
import { TransitionRecorder } from './TransitionRecorder';
import { StoredTransition, TransitionStore } from './TransitionStore';

const T0 = Date.parse('2026-06-01T12:00:00Z');

/**
 * The part of a ClusterCache the recorder uses, driven by hand: objects, listed or not,
 * reachable or not, and change notifications as the informers send them.
 */
class CacheDouble {
  readonly name = 'prod';
  synced = false;
  reachable = true;
  private readonly objects = new Map<string, ExternalSecretObject>();
  private readonly listeners = new Set<(c: ClusterCacheChange) => void>();

  onChange(listener: (c: ClusterCacheChange) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  health() {
    return { name: this.name, reachable: this.reachable, synced: this.synced };
  }
  listExternalSecrets() {
    return [...this.objects.values()];
  }
  put(object: ExternalSecretObject) {
    const key = object.metadata!.uid!;
    const type = this.objects.has(key) ? 'updated' : 'added';
    this.objects.set(key, object);
    this.emit(type, object);
  }
  remove(uid: string) {
    const object = this.objects.get(uid)!;
    this.objects.delete(uid);
    this.emit('deleted', object);
  }
  private emit(type: ClusterCacheChange['type'], object: ExternalSecretObject) {
    for (const l of this.listeners) {
      l({ cluster: this.name, resource: 'ExternalSecret', type, object });
    }
  }
}

let version = 0;
function es(
  uid: string,
  ready: 'True' | 'False' | undefined,
  options: { refreshTime?: number; readySince?: number; name?: string } = {},
): ExternalSecretObject {
  version += 1;
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      uid,
      name: options.name ?? `es-${uid}`,
      namespace: 'example-api',
      resourceVersion: String(version),
      generation: 1,
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
      creationTimestamp: new Date(T0 - 3600_000) as any,
    },
    spec: { refreshInterval: '2m' },
    status: ready
      ? {
          conditions: [
            {
              type: 'Ready',
              status: ready,
              reason: ready === 'True' ? 'SecretSynced' : 'SecretSyncedError',
              lastTransitionTime: new Date(
                options.readySince ?? T0 - 60_000,
              ).toISOString(),
            },
          ],
          refreshTime: new Date(
            options.refreshTime ?? T0 - 60_000,
          ).toISOString(),
          syncedResourceVersion: '1-abc',
        }
      : undefined,
  };
}

function failingRow(code: string): ExternalSecretStatus {
  return {
    reason: 'SecretSyncedError',
    findings: [
      {
        code: 'CLUSTER_UNREACHABLE',
        severity: 'warning',
        summary: '',
        fix: '',
        evidence: {},
      },
      { code, severity: 'error', summary: '', fix: '', evidence: {} },
    ],
  } as unknown as ExternalSecretStatus;
}

describe('TransitionRecorder', () => {
  let db: Knex;
  let store: TransitionStore;
  let nowMs: number;
  let cache: CacheDouble;
  const recorders: TransitionRecorder[] = [];

  function recorder(options: { store?: TransitionStore } = {}) {
    const logger = mockServices.logger.mock();
    const created = new TransitionRecorder({
      clusters: [cache as unknown as ClusterCache],
      store: options.store ?? store,
      logger,
      now: () => new Date(nowMs),
      statusOf: async () => failingRow('PROPERTY_MISSING'),
      entityRefOf: () => 'component:default/example-api',
      readyPollMs: 5,
      flushDelayMs: 10_000,
      sweepIntervalMs: 3_600_000,
    });
    recorders.push(created);
    return created;
  }

  async function caughtUp(r: TransitionRecorder) {
    for (let i = 0; i < 400 && !r.isCaughtUp(); i++) {
      await new Promise(resolve => setTimeout(resolve, 5));
    }
    expect(r.isCaughtUp()).toBe(true);
  }

  const rows = async (uid: string) =>
    (await store.transitionsOf('prod', uid)).map(
      t => `${t.from ?? '∅'}→${t.to}`,
    );

  beforeEach(async () => {
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    store = await TransitionStore.forKnex(db);
    nowMs = T0;
    cache = new CacheDouble();
  });
  afterEach(async () => {
    await Promise.all(recorders.splice(0).map(r => r.stop()));
    await db.destroy();
  });

  it('waits for the first full list, then records each object’s first state', async () => {
    cache.put(es('a', 'True'));
    cache.put(es('b', undefined));
    const r = recorder();
    r.start();
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(r.isCaughtUp()).toBe(false);
    cache.synced = true;
    await caughtUp(r);
    await r.flush();
    expect(await rows('a')).toEqual(['∅→Synced']);
    expect(await rows('b')).toEqual(['∅→Pending']);
    const [first] = await store.transitionsOf('prod', 'a');
    // ESO's Ready time, not the moment the backend looked
    expect(first.occurredAt.toISOString()).toBe(
      new Date(T0 - 60_000).toISOString(),
    );
    expect(first.entityRef).toBe('component:default/example-api');
  });

  it('records a change of state once, with ESO’s reason and the first real finding, and ignores updates that keep the state', async () => {
    cache.synced = true;
    cache.put(es('a', 'True'));
    const r = recorder();
    r.start();
    await caughtUp(r);
    cache.put(es('a', 'True', { refreshTime: T0 }));
    nowMs = T0 + 5_000;
    cache.put(es('a', 'False', { readySince: T0 + 4_000 }));
    cache.put(es('a', 'False', { readySince: T0 + 4_000 }));
    await r.flush();
    expect(await rows('a')).toEqual(['∅→Synced', 'Synced→Error']);
    const [, broke] = await store.transitionsOf('prod', 'a');
    expect(broke).toMatchObject({
      reason: 'SecretSyncedError',
      findingCode: 'PROPERTY_MISSING',
      occurredAt: new Date(T0 + 4_000),
    });
  });

  it('two replicas seeing the same events write each transition once, and only the writer hears of it', async () => {
    cache.synced = true;
    cache.put(es('a', 'True'));
    const a = recorder();
    const b = recorder();
    const heard: StoredTransition[] = [];
    a.onRecorded(t => heard.push(...t));
    b.onRecorded(t => heard.push(...t));
    a.start();
    b.start();
    await caughtUp(a);
    await caughtUp(b);
    cache.put(es('a', 'False'));
    cache.put(es('a', 'True', { readySince: T0 + 1 }));
    await Promise.all([a.flush(), b.flush()]);
    expect(await rows('a')).toEqual([
      '∅→Synced',
      'Synced→Error',
      'Error→Synced',
    ]);
    expect(heard.map(t => `${t.from ?? '∅'}→${t.to}`).sort()).toEqual(
      ['∅→Synced', 'Synced→Error', 'Error→Synced'].sort(),
    );
  });

  it('after a restart, records only what changed while nobody watched — deletions included', async () => {
    cache.synced = true;
    cache.put(es('kept', 'True'));
    cache.put(es('broke', 'True'));
    cache.put(es('removed', 'True'));
    const before = recorder();
    before.start();
    await caughtUp(before);
    await before.stop();

    cache.put(es('broke', 'False'));
    cache.remove('removed');
    cache.put(es('new', 'True'));
    const after = recorder();
    after.start();
    await caughtUp(after);
    await after.flush();
    expect(await rows('kept')).toEqual(['∅→Synced']);
    expect(await rows('broke')).toEqual(['∅→Synced', 'Synced→Error']);
    expect(await rows('removed')).toEqual(['∅→Synced', 'Synced→Deleted']);
    expect(await rows('new')).toEqual(['∅→Synced']);

    // and a second start finds nothing new
    const again = recorder();
    again.start();
    await caughtUp(again);
    await again.flush();
    expect(await db('external_secret_transitions').count({ n: '*' })).toEqual([
      { n: 6 },
    ]);
  });

  it('a deletion seen by the watch is recorded once, by every replica’s key', async () => {
    cache.synced = true;
    cache.put(es('a', 'True'));
    const a = recorder();
    const b = recorder();
    a.start();
    b.start();
    await caughtUp(a);
    await caughtUp(b);
    cache.remove('a');
    await Promise.all([a.flush(), b.flush()]);
    expect(await rows('a')).toEqual(['∅→Synced', 'Synced→Deleted']);
  });

  it('a sweep records Stale once the last sync is too old, dated when it became too old, but not for a cluster it cannot reach', async () => {
    cache.synced = true;
    cache.put(es('a', 'True', { refreshTime: T0 }));
    const r = recorder();
    r.start();
    await caughtUp(r);
    nowMs = T0 + 10 * 60_000;
    cache.reachable = false;
    r.sweep();
    await r.flush();
    expect(await rows('a')).toEqual(['∅→Synced']);

    cache.reachable = true;
    r.sweep();
    await r.flush();
    expect(await rows('a')).toEqual(['∅→Synced', 'Synced→Stale']);
    const [, stale] = await store.transitionsOf('prod', 'a');
    // refreshInterval 2m: stale from refreshTime + 4m
    expect(stale.occurredAt).toEqual(new Date(T0 + 4 * 60_000));
  });

  it('keeps transitions queued while the database fails and writes them once it answers', async () => {
    cache.synced = true;
    let failures = 1;
    const flaky = Object.create(store) as TransitionStore;
    flaky.record = async (...args) => {
      if (failures-- > 0) throw new Error('connection refused');
      return store.record(...args);
    };
    cache.put(es('a', 'True'));
    const r = recorder({ store: flaky });
    r.start();
    await caughtUp(r);
    await r.flush();
    expect(r.stats().queued).toBe(1);
    expect(await rows('a')).toEqual([]);
    await r.flush();
    expect(r.stats().queued).toBe(0);
    expect(await rows('a')).toEqual(['∅→Synced']);
  });
});
