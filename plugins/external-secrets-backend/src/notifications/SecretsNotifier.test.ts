import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import type {
  ExternalSecretStatus,
  KeyFreshness,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import knexFactory, { type Knex } from 'knex';
import { FakeClusterCache } from '../fleet/__testUtils__/FakeClusterCache';
import { NotificationLedger } from './NotificationLedger';
import { readNotificationSettings } from './notificationsConfig';
import { SecretsNotifier } from './SecretsNotifier';

const T0 = Date.parse('2026-12-02T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();
const LAST_SYNC = iso(-180);

function es(
  name: string,
  ready = true,
  dbKey = `shop/${name}`,
): ExternalSecretObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1 },
    spec: {
      refreshInterval: '24h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name },
      data: [
        { secretKey: 'password', remoteRef: { key: dbKey, property: 'p' } },
      ],
    },
    status: {
      conditions: [
        ready
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'SecretSynced',
              lastTransitionTime: LAST_SYNC,
            }
          : {
              type: 'Ready',
              status: 'False',
              reason: 'SecretSyncedError',
              lastTransitionTime: iso(-1),
            },
      ],
      refreshTime: LAST_SYNC,
      syncedResourceVersion: '1-abc',
    },
  } as ExternalSecretObject;
}

/** The status row as the status service would build it from Vault's KV metadata. */
function row(
  name: string,
  key: Omit<KeyFreshness, 'summary' | 'kvVersion' | 'key'>,
  lastSync = LAST_SYNC,
): ExternalSecretStatus {
  const pending = key.state === 'PendingRotation';
  return {
    cluster: 'prod',
    namespace: 'shop',
    name,
    state: pending ? 'PendingRotation' : 'Synced',
    lastSyncTime: lastSync,
    refreshInterval: '24h',
    stale: false,
    findings: [],
    freshness: {
      state: key.state,
      lastSyncTime: lastSync,
      nextSyncBy: new Date(Date.parse(lastSync) + 24 * 3_600_000).toISOString(),
      keys: [{ ...key, key: `shop/${name}`, kvVersion: 2, summary: '' }],
      summary: '',
    },
  } as unknown as ExternalSecretStatus;
}

describe('SecretsNotifier: pending rotations', () => {
  let db: Knex;
  let cluster: FakeClusterCache;
  let rows: Map<string, ExternalSecretStatus>;
  let reads: string[];
  let sent: NotificationSendOptions[];
  let now: Date;
  let failSends: number;

  beforeEach(() => {
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    cluster = new FakeClusterCache('prod');
    rows = new Map();
    reads = [];
    sent = [];
    now = at(0);
    failSends = 0;
  });

  afterEach(async () => {
    await db.destroy();
  });

  /** One replica: its own ledger object on the shared database, the same cluster. */
  async function replica(
    notifications: Record<string, unknown> = {},
    clusters: FakeClusterCache[] = [cluster],
  ) {
    const service: NotificationService = {
      send: async options => {
        if (failSends > 0) {
          failSends -= 1;
          throw new Error('notifications backend unavailable');
        }
        sent.push(options);
      },
    };
    return new SecretsNotifier({
      settings: readNotificationSettings(
        new ConfigReader({
          externalSecrets: {
            notifications: {
              pendingRotation: { after: '1h' },
              ...notifications,
            },
          },
        }),
      ),
      clusters: clusters.map(c => c.asCache()),
      ledger: await NotificationLedger.forKnex(db),
      notifications: service,
      entities: {
        entityRefOf: () => 'component:default/shop',
        ownerOf: () => 'group:default/shop-team',
        ready: async () => {},
      },
      statusOf: async (_cluster, object) => {
        const name = object.metadata!.name!;
        reads.push(name);
        const found = rows.get(name);
        if (!found) throw new Error(`no row for ${name}`);
        return found;
      },
      logger: mockServices.logger.mock(),
      now: () => now,
    });
  }

  it('tells the owner once across two replicas when a Vault version stays unsynced past `after`, and once when it reaches the cluster', async () => {
    cluster.putExternalSecret(es('db'));
    const written = iso(-30);
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 4,
        writtenAt: written,
      }),
    );
    const replicas = [await replica(), await replica()];
    const checkBoth = () => Promise.all(replicas.map(r => r.check()));

    await checkBoth();
    expect(sent).toEqual([]);

    now = at(31);
    await checkBoth();
    await checkBoth();
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['group:default/shop-team'] },
        payload: {
          title:
            'shop: ExternalSecret db: Vault has a newer version of shop/db (v4)',
          description: `Vault has a newer version of shop/db (v4, written ${written}) that has not reached the cluster: ExternalSecret shop/db in cluster prod still holds the previous value; its last sync was at ${LAST_SYNC}, and ESO should have read it by ${iso(
            24 * 60 - 180,
          )} (refreshInterval 24h). What to do: use "Sync now" on the Secrets tab; if the new version should have arrived by itself, check the ExternalSecret's refreshInterval and refreshPolicy; if a sync does not take it, read ESO's Events on the ExternalSecret (kubectl -n shop describe externalsecret db).`,
          link: '/catalog/default/component/shop/secrets',
          severity: 'normal',
          topic: 'external-secrets',
          scope: `external-secrets:prod/shop/db:rotation:shop/db:v4 ${written}:pending`,
        },
      },
    ]);

    // "Sync now": ESO read Vault after the write
    const syncedAt = iso(32);
    rows.set(
      'db',
      row(
        'db',
        { state: 'InSync', currentVersion: 4, writtenAt: written },
        syncedAt,
      ),
    );
    now = at(33);
    await checkBoth();
    await checkBoth();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual({
      recipients: { type: 'entity', entityRef: ['group:default/shop-team'] },
      payload: {
        title:
          'shop: ExternalSecret db: the new version of shop/db reached the cluster',
        description: `ESO synced ExternalSecret shop/db in cluster prod at ${syncedAt}: its Secret holds Vault v4 of shop/db now. Pods that read the Secret only at start-up need a restart to see it; the Secrets tab shows which.`,
        link: '/catalog/default/component/shop/secrets',
        severity: 'low',
        topic: 'external-secrets',
        scope: `external-secrets:prod/shop/db:rotation:shop/db:v4 ${written}:reached`,
      },
    });

    // a restarted replica finds both in the database and tells nothing again
    await (await replica()).check();
    expect(sent).toHaveLength(2);
  });

  it('a further rotation is told again; a version that reaches the cluster within `after` is never told', async () => {
    cluster.putExternalSecret(es('db'));
    const notifier = await replica();
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 4,
        writtenAt: iso(-70),
      }),
    );
    await notifier.check();
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 5,
        writtenAt: iso(-10),
      }),
    );
    await notifier.check();
    now = at(51);
    await notifier.check();
    expect(sent.map(s => s.payload.title)).toEqual([
      'shop: ExternalSecret db: Vault has a newer version of shop/db (v4)',
      'shop: ExternalSecret db: Vault has a newer version of shop/db (v5)',
    ]);
    // v5 reaches the cluster: one message (v4's episode is closed silently, v5 was told since)
    rows.set(
      'db',
      row(
        'db',
        { state: 'InSync', currentVersion: 5, writtenAt: iso(-10) },
        iso(52),
      ),
    );
    now = at(53);
    await notifier.check();
    await notifier.check();
    expect(sent.map(s => s.payload.title)).toEqual([
      'shop: ExternalSecret db: Vault has a newer version of shop/db (v4)',
      'shop: ExternalSecret db: Vault has a newer version of shop/db (v5)',
      'shop: ExternalSecret db: the new version of shop/db reached the cluster',
    ]);

    // v6 syncs within the hour: nothing at all
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 6,
        writtenAt: iso(54),
      }),
    );
    now = at(60);
    await notifier.check();
    rows.set(
      'db',
      row(
        'db',
        { state: 'InSync', currentVersion: 6, writtenAt: iso(54) },
        iso(61),
      ),
    );
    now = at(200);
    await notifier.check();
    expect(sent).toHaveLength(3);
  });

  it('says nothing for an unreachable cluster, and reads no row of it', async () => {
    cluster.putExternalSecret(es('db'));
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 4,
        writtenAt: iso(-90),
      }),
    );
    const notifier = await replica();
    cluster.down();
    await notifier.check();
    expect(reads).toEqual([]);
    expect(sent).toEqual([]);
    cluster.up();
    await notifier.check();
    expect(sent).toHaveLength(1);
  });

  it('reads at most maxPerCheck rows per check, in turn, and none of failing ExternalSecrets', async () => {
    for (const name of ['a', 'b', 'c']) {
      cluster.putExternalSecret(es(name));
      rows.set(
        name,
        row(name, { state: 'InSync', currentVersion: 1, writtenAt: iso(-500) }),
      );
    }
    cluster.putExternalSecret(es('broken', false));
    const notifier = await replica({ maxPerCheck: 2 });
    await notifier.check();
    expect(reads).toEqual(['a', 'b']);
    await notifier.check();
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('shares the reads between clusters: a large one does not starve the others', async () => {
    const edge = new FakeClusterCache('edge');
    for (const name of ['a', 'b', 'c', 'd']) {
      cluster.putExternalSecret(es(name));
    }
    edge.putExternalSecret(es('x'));
    for (const name of ['a', 'b', 'c', 'd', 'x']) {
      rows.set(
        name,
        row(name, { state: 'InSync', currentVersion: 1, writtenAt: iso(-500) }),
      );
    }
    const notifier = await replica({ maxPerCheck: 2 }, [cluster, edge]);
    await notifier.check();
    expect(reads).toEqual(['a', 'x']);
    await notifier.check();
    expect(reads).toEqual(['a', 'x', 'b', 'x']);
  });

  it('a notification that could not be sent is sent at a later check', async () => {
    cluster.putExternalSecret(es('db'));
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 4,
        writtenAt: iso(-90),
      }),
    );
    const notifier = await replica();
    failSends = 1;
    await notifier.check();
    expect(sent).toEqual([]);
    await notifier.check();
    await notifier.check();
    expect(sent).toHaveLength(1);
  });

  it('is off with pendingRotation.enabled false, or when normal severity is not sent', async () => {
    cluster.putExternalSecret(es('db'));
    rows.set(
      'db',
      row('db', {
        state: 'PendingRotation',
        currentVersion: 4,
        writtenAt: iso(-90),
      }),
    );
    await (await replica({ pendingRotation: { enabled: false } })).check();
    await (await replica({ severities: ['critical', 'high'] })).check();
    expect(reads).toEqual([]);
    expect(sent).toEqual([]);
  });
});
