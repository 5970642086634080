import { testEngines } from '../__testUtils__/testDatabases';
import { TransitionRecord, TransitionStore } from './TransitionStore';

jest.setTimeout(120_000);

const databases = testEngines();
if (databases.skipped) {
  // eslint-disable-next-line no-console
  console.warn(`TransitionStore on PostgreSQL skipped: ${databases.skipped}`);
}
beforeAll(() => databases.setup());
afterAll(() => databases.teardown());

const T0 = Date.parse('2026-06-01T12:00:00Z');
const minutes = (n: number) => new Date(T0 + n * 60_000);

function transition(overrides: Partial<TransitionRecord>): TransitionRecord {
  return {
    cluster: 'prod',
    namespace: 'example-api',
    name: 'example-api-env-file',
    uid: 'uid-1',
    entityRef: 'component:default/example-api',
    to: 'Synced',
    resourceVersion: '1',
    occurredAt: minutes(0),
    ...overrides,
  };
}

describe.each(databases.engines)('TransitionStore on $name', engine => {
  let store: TransitionStore;
  beforeEach(async () => {
    store = await TransitionStore.forKnex(await engine.create());
  });

  it('writes a transition once, however often and by however many writers it is recorded', async () => {
    const first = transition({});
    const broke = transition({
      from: 'Synced',
      to: 'Error',
      reason: 'SecretSyncedError',
      findingCode: 'PROPERTY_MISSING',
      resourceVersion: '2',
      occurredAt: minutes(5),
    });
    const replicaA = await store.record([first, broke]);
    const replicaB = await store.record([first, broke]);
    expect(replicaA.map(t => t.to)).toEqual(['Synced', 'Error']);
    expect(replicaB).toEqual([]);

    const stored = await store.transitionsOf('prod', 'uid-1');
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({
      from: 'Synced',
      to: 'Error',
      reason: 'SecretSyncedError',
      findingCode: 'PROPERTY_MISSING',
      entityRef: 'component:default/example-api',
      occurredAt: minutes(5),
    });
  });

  it('hands each transition to exactly one of two writers racing on the same batch', async () => {
    const batch = Array.from({ length: 40 }, (_, i) =>
      transition({ uid: `uid-${i}`, resourceVersion: `${100 + i}` }),
    );
    const [a, b] = await Promise.all([
      store.record(batch),
      store.record([...batch].reverse()),
    ]);
    const winners = [...a, ...b].map(t => t.uid).sort();
    expect(winners).toEqual(batch.map(t => t.uid).sort());
  });

  it('the same state again after a new version is a new transition; a state back at an old version is not', async () => {
    await store.record([
      transition({ to: 'Synced', resourceVersion: '1' }),
      transition({ from: 'Synced', to: 'Error', resourceVersion: '2' }),
      transition({ from: 'Error', to: 'Synced', resourceVersion: '3' }),
    ]);
    // a replica that lags behind replays version 2
    expect(
      await store.record([
        transition({ from: 'Synced', to: 'Error', resourceVersion: '2' }),
      ]),
    ).toEqual([]);
    expect(
      await store.record([
        transition({ from: 'Synced', to: 'Error', resourceVersion: '4' }),
      ]),
    ).toHaveLength(1);
  });

  it('answers the newest stored state of every object of a cluster', async () => {
    await store.record([
      transition({ uid: 'a', to: 'Synced', resourceVersion: '1' }),
      transition({
        uid: 'a',
        from: 'Synced',
        to: 'Error',
        resourceVersion: '2',
      }),
      transition({ uid: 'b', to: 'Pending', resourceVersion: '7' }),
      transition({ cluster: 'other', uid: 'c', to: 'Synced' }),
    ]);
    const latest = await store.latestByUid('prod');
    expect([...latest.keys()].sort()).toEqual(['a', 'b']);
    expect(latest.get('a')).toMatchObject({
      to: 'Error',
      resourceVersion: '2',
    });
    expect(latest.get('b')).toMatchObject({ to: 'Pending' });
  });

  it('gives each name its last transitions newest first, its newest state and when it last left Synced', async () => {
    await store.record([
      transition({
        to: 'Synced',
        resourceVersion: '1',
        occurredAt: minutes(0),
      }),
      transition({
        from: 'Synced',
        to: 'Error',
        resourceVersion: '2',
        occurredAt: minutes(10),
        findingCode: 'POLICY_MISSING_KV2_DATA_PATH',
      }),
      transition({
        from: 'Error',
        to: 'Synced',
        resourceVersion: '3',
        occurredAt: minutes(20),
      }),
      transition({
        from: 'Synced',
        to: 'Stale',
        resourceVersion: '3',
        occurredAt: minutes(30),
      }),
      transition({ name: 'other', uid: 'uid-2', to: 'Error' }),
    ]);
    const history = await store.historyOf(
      [
        {
          cluster: 'prod',
          namespace: 'example-api',
          name: 'example-api-env-file',
        },
        { cluster: 'prod', namespace: 'example-api', name: 'never-recorded' },
      ],
      3,
    );
    const entry = history.get('prod/example-api/example-api-env-file')!;
    expect(entry.transitions.map(t => `${t.from ?? '∅'}→${t.to}`)).toEqual([
      'Synced→Stale',
      'Error→Synced',
      'Synced→Error',
    ]);
    expect(entry.transitions[2]).toEqual({
      at: minutes(10).toISOString(),
      from: 'Synced',
      to: 'Error',
      findingCode: 'POLICY_MISSING_KV2_DATA_PATH',
      reason: undefined,
    });
    expect(entry.latestState).toBe('Stale');
    expect(entry.lastLeftSyncedAt).toBe(minutes(30).toISOString());
    expect(history.get('prod/example-api/never-recorded')).toEqual({
      transitions: [],
    });
  });

  it('keeps at most the configured count per object and nothing older than the age limit but each live object’s newest row', async () => {
    const now = minutes(60 * 24 * 100);
    await store.record([
      // live, stable for long: its only row is older than the limit and must stay
      transition({ uid: 'stable', to: 'Synced', occurredAt: minutes(0) }),
      // flapping: 5 rows, the first three old
      ...[0, 1, 2, 3, 4].map(i =>
        transition({
          uid: 'flapping',
          from: [undefined, 'Synced', 'Error', 'Synced', 'Error'][i] as
            | 'Synced'
            | 'Error'
            | undefined,
          to: i % 2 ? 'Error' : 'Synced',
          resourceVersion: `${i}`,
          occurredAt: i < 3 ? minutes(i) : minutes(60 * 24 * 99 + i),
        }),
      ),
      // deleted long ago: all of it goes
      transition({ uid: 'gone', to: 'Synced', occurredAt: minutes(0) }),
      transition({
        uid: 'gone',
        from: 'Synced',
        to: 'Deleted',
        resourceVersion: '',
        occurredAt: minutes(1),
      }),
    ]);
    const deleted = await store.prune(
      { maxAgeMs: 90 * 86_400_000, maxPerExternalSecret: 4 },
      now,
    );
    expect(deleted).toBe(5);
    expect(await store.transitionsOf('prod', 'stable')).toHaveLength(1);
    expect(
      (await store.transitionsOf('prod', 'flapping')).map(
        t => t.resourceVersion,
      ),
    ).toEqual(['3', '4']);
    expect(await store.transitionsOf('prod', 'gone')).toEqual([]);

    await store.prune(
      { maxAgeMs: 90 * 86_400_000, maxPerExternalSecret: 1 },
      now,
    );
    expect(
      (await store.transitionsOf('prod', 'flapping')).map(
        t => t.resourceVersion,
      ),
    ).toEqual(['4']);
  });

  it('stores long texts cut to the column sizes instead of failing the batch', async () => {
    const [stored] = await store.record([
      transition({ reason: 'r'.repeat(1000), entityRef: 'e'.repeat(900) }),
    ]);
    expect(stored.reason).toHaveLength(256);
    expect(stored.entityRef).toHaveLength(512);
  });
});
