import type {
  ExternalSecretStatus,
  KeyFreshness,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import type { NotifiedEpisode } from './NotificationLedger';
import {
  couldBePending,
  pendingRotationsOf,
  planRotations,
  rotationEpisode,
  rotationSubject,
  selectRotationProbes,
  type RotationAction,
} from './planRotations';

const NOW = new Date('2026-12-02T12:00:00.000Z');
const HOUR = 3_600_000;
const minutes = (n: number) =>
  new Date(NOW.getTime() - n * 60_000).toISOString();

function es(
  name: string,
  options: { ready?: boolean; keys?: string[] } = {},
): ExternalSecretObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1 },
    spec: {
      refreshInterval: '24h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name },
      data: (options.keys ?? ['shop/db']).map((vaultKey, i) => ({
        secretKey: `k${i}`,
        remoteRef: { key: vaultKey, property: 'p' },
      })),
    },
    status: {
      conditions: [
        options.ready === false
          ? {
              type: 'Ready',
              status: 'False',
              reason: 'SecretSyncedError',
              lastTransitionTime: minutes(5),
            }
          : {
              type: 'Ready',
              status: 'True',
              reason: 'SecretSynced',
              lastTransitionTime: minutes(300),
            },
      ],
      refreshTime: minutes(180),
      syncedResourceVersion: '1-abc',
    },
  } as ExternalSecretObject;
}

/** Vault's view of one key against the last sync, as the status row carries it. */
function key(
  name: string,
  state: KeyFreshness['state'],
  version: number,
  writtenMinutesAgo: number,
): KeyFreshness {
  return {
    key: name,
    state,
    kvVersion: 2,
    currentVersion: version,
    writtenAt: minutes(writtenMinutesAgo),
    summary: `Vault v${version} of ${name}`,
  };
}

function row(
  object: ExternalSecretObject,
  keys: KeyFreshness[],
  state?: ExternalSecretStatus['state'],
  lastSync?: string,
): ExternalSecretStatus {
  const pending = keys.some(k => k.state === 'PendingRotation');
  // in sync: a sync a minute ago read them; otherwise the last sync was three hours ago
  const synced =
    lastSync ??
    (!pending && keys.some(k => k.state === 'InSync')
      ? minutes(1)
      : minutes(180));
  return {
    cluster: 'prod',
    namespace: 'shop',
    name: object.metadata!.name!,
    state: state ?? (pending ? 'PendingRotation' : 'Synced'),
    lastSyncTime: synced,
    refreshInterval: '24h',
    freshness: {
      state: pending ? 'PendingRotation' : keys[0]?.state ?? 'Unknown',
      lastSyncTime: synced,
      nextSyncBy: new Date(Date.parse(synced) + 24 * HOUR).toISOString(),
      keys,
      summary: '',
    },
  } as ExternalSecretStatus;
}

function told(
  object: ExternalSecretObject,
  vaultKey: string,
  version: number,
  writtenMinutesAgo: number,
): NotifiedEpisode {
  return {
    subject: rotationSubject('prod', object, vaultKey),
    episode: rotationEpisode(version, minutes(writtenMinutesAgo)),
    cluster: 'prod',
    entityRef: 'component:default/shop',
    recipients: ['group:default/shop-team'],
    severity: 'normal',
    failingSince: new Date(minutes(writtenMinutesAgo)),
    openedAt: new Date(minutes(writtenMinutesAgo - 61)),
  };
}

function plan(
  rows: Array<{ object: ExternalSecretObject; row?: ExternalSecretStatus }>,
  open: NotifiedEpisode[] = [],
  extra: {
    reachable?: boolean;
    out?: boolean;
    objects?: ExternalSecretObject[];
  } = {},
): string[] {
  return planRotations({
    cluster: 'prod',
    reachable: extra.reachable ?? true,
    out: extra.out ?? false,
    objects: extra.objects ?? rows.map(r => r.object),
    rows: rows.map(r => ({ object: r.object, row: r.row })),
    open,
    afterMs: HOUR,
    now: NOW,
  }).map(nameOf);
}

function nameOf(action: RotationAction): string {
  switch (action.type) {
    case 'rotation-pending':
      return `pending ${action.pending.subject} ${action.pending.episode}`;
    case 'rotation-reached':
      return `reached ${action.open.subject} ${action.open.episode}`;
    default:
      return `closed ${action.as} ${action.open.subject} ${action.open.episode}`;
  }
}

const a = es('a');
const subjectA = 'rotation:prod/shop/a/uid-a/shop/db';

describe('pendingRotationsOf', () => {
  it('names the key and version, and may tell from `after` past the write', () => {
    expect(
      pendingRotationsOf(
        'prod',
        a,
        row(a, [key('shop/db', 'PendingRotation', 3, 90)]),
        HOUR,
      ),
    ).toEqual([
      {
        subject: subjectA,
        episode: `v3 ${minutes(90)}`,
        key: 'shop/db',
        version: 3,
        writtenAt: minutes(90),
        notifyFrom: Date.parse(minutes(30)),
      },
    ]);
  });

  it.each([
    [
      'a failing row (its failure is told instead)',
      row(a, [key('shop/db', 'PendingRotation', 3, 90)], 'Error'),
    ],
    [
      'a stale row',
      row(a, [key('shop/db', 'PendingRotation', 3, 90)], 'Stale'),
    ],
    ['Vault metadata unknown', row(a, [key('shop/db', 'Unknown', 3, 90)])],
    ['in sync', row(a, [key('shop/db', 'InSync', 3, 200)])],
  ])('nothing for %s', (_, status) => {
    expect(pendingRotationsOf('prod', a, status, HOUR)).toEqual([]);
  });

  it('a key too long for the ledger is named by its hash, the same each time', () => {
    const long = `shop/${'x'.repeat(800)}`;
    const subject = rotationSubject('prod', a, long);
    expect(subject).toMatch(
      /^rotation:prod\/shop\/a\/uid-a\/sha256:[0-9a-f]{64}$/,
    );
    expect(rotationSubject('prod', a, long)).toBe(subject);
  });
});

describe('planRotations', () => {
  it.each([
    [
      'written 61 minutes ago: past `after`',
      61,
      [`pending ${subjectA} v3 ${minutes(61)}`],
    ],
    [
      'written exactly `after` ago',
      60,
      [`pending ${subjectA} v3 ${minutes(60)}`],
    ],
    ['written 59 minutes ago: not yet', 59, []],
  ])('%s', (_, writtenMinutesAgo, expected) => {
    expect(
      plan([
        {
          object: a,
          row: row(a, [
            key('shop/db', 'PendingRotation', 3, writtenMinutesAgo),
          ]),
        },
      ]),
    ).toEqual(expected);
  });

  it('tells each key of an ExternalSecret on its own', () => {
    const b = es('b', { keys: ['shop/db', 'shop/api'] });
    expect(
      plan([
        {
          object: b,
          row: row(b, [
            key('shop/db', 'PendingRotation', 3, 90),
            key('shop/api', 'PendingRotation', 7, 120),
            key('shop/ok', 'InSync', 1, 500),
          ]),
        },
      ]),
    ).toEqual([
      `pending rotation:prod/shop/b/uid-b/shop/db v3 ${minutes(90)}`,
      `pending rotation:prod/shop/b/uid-b/shop/api v7 ${minutes(120)}`,
    ]);
  });

  it('does not tell a version twice', () => {
    expect(
      plan(
        [
          {
            object: a,
            row: row(a, [key('shop/db', 'PendingRotation', 3, 90)]),
          },
        ],
        [told(a, 'shop/db', 3, 90)],
      ),
    ).toEqual([]);
  });

  it('a further rotation is a new episode once it has waited `after` itself; the older one is closed without a message after', () => {
    const open = [told(a, 'shop/db', 3, 150)];
    // v4 written 20 minutes ago: v3 stays the told one
    expect(
      plan(
        [
          {
            object: a,
            row: row(a, [key('shop/db', 'PendingRotation', 4, 20)]),
          },
        ],
        open,
      ),
    ).toEqual([]);
    expect(
      plan(
        [
          {
            object: a,
            row: row(a, [key('shop/db', 'PendingRotation', 4, 70)]),
          },
        ],
        open,
      ),
    ).toEqual([`pending ${subjectA} v4 ${minutes(70)}`]);
    // both told: only the newest is answered later
    expect(
      plan(
        [
          {
            object: a,
            row: row(a, [key('shop/db', 'PendingRotation', 4, 70)]),
          },
        ],
        [...open, told(a, 'shop/db', 4, 70)],
      ),
    ).toEqual([`closed superseded ${subjectA} v3 ${minutes(150)}`]);
  });

  it('tells that the rotation reached the cluster only for a told episode, once a sync has read that version (or a newer one)', () => {
    const inSync = row(a, [key('shop/db', 'InSync', 3, 90)]);
    expect(plan([{ object: a, row: inSync }])).toEqual([]);
    expect(
      plan([{ object: a, row: inSync }], [told(a, 'shop/db', 3, 90)]),
    ).toEqual([`reached ${subjectA} v3 ${minutes(90)}`]);
    // v3 was told, v4 was written since and both reached the Secret in one sync
    expect(
      plan(
        [{ object: a, row: row(a, [key('shop/db', 'InSync', 4, 30)]) }],
        [told(a, 'shop/db', 3, 90)],
      ),
    ).toEqual([`reached ${subjectA} v3 ${minutes(90)}`]);
    // a sync 20 minutes ago read v3; v4, written 10 minutes ago, waits (and is not past `after`)
    expect(
      plan(
        [
          {
            object: a,
            row: row(
              a,
              [key('shop/db', 'PendingRotation', 4, 10)],
              undefined,
              minutes(20),
            ),
          },
        ],
        [told(a, 'shop/db', 3, 90)],
      ),
    ).toEqual([`reached ${subjectA} v3 ${minutes(90)}`]);
  });

  it.each([
    [
      'Vault’s metadata cannot be read',
      row(a, [key('shop/db', 'Unknown', 3, 90)]),
    ],
    ['the row was not read this check', undefined],
    ['still pending', row(a, [key('shop/db', 'PendingRotation', 3, 90)])],
  ])('keeps a told episode open while %s', (_, status) => {
    expect(
      plan([{ object: a, row: status }], [told(a, 'shop/db', 3, 90)]),
    ).toEqual([]);
  });

  it('closes without a message the episodes of a deleted ExternalSecret and of a key it no longer reads', () => {
    const other = es('other');
    expect(
      plan(
        [
          {
            object: other,
            row: row(other, [key('shop/db', 'InSync', 1, 500)]),
          },
        ],
        [told(a, 'shop/db', 3, 90)],
      ),
    ).toEqual([`closed deleted ${subjectA} v3 ${minutes(90)}`]);
    expect(
      plan(
        [{ object: a, row: row(a, [key('shop/new', 'InSync', 1, 500)]) }],
        [told(a, 'shop/db', 3, 90)],
      ),
    ).toEqual([`closed deleted ${subjectA} v3 ${minutes(90)}`]);
  });

  it('an unreachable cluster: nothing at all, from its old cache', () => {
    expect(
      plan(
        [
          { object: a, row: row(a, [key('shop/db', 'InSync', 3, 90)]) },
          {
            object: es('b'),
            row: row(es('b'), [key('shop/db', 'PendingRotation', 3, 90)]),
          },
        ],
        [told(a, 'shop/db', 3, 90), told(es('gone'), 'shop/db', 3, 90)],
        { reachable: false },
      ),
    ).toEqual([]);
  });

  it('a cluster out (failing at large): new rotations are held, what reached the cluster is still told', () => {
    const b = es('b');
    expect(
      plan(
        [
          { object: a, row: row(a, [key('shop/db', 'InSync', 3, 90)]) },
          {
            object: b,
            row: row(b, [key('shop/db', 'PendingRotation', 3, 90)]),
          },
        ],
        [told(a, 'shop/db', 3, 90)],
        { out: true },
      ),
    ).toEqual([`reached ${subjectA} v3 ${minutes(90)}`]);
  });

  it('the episode names only metadata: key, version, time', () => {
    const [action] = planRotations({
      cluster: 'prod',
      reachable: true,
      out: false,
      objects: [a],
      rows: [
        { object: a, row: row(a, [key('shop/db', 'PendingRotation', 3, 90)]) },
      ],
      open: [],
      afterMs: HOUR,
      now: NOW,
    });
    expect(action).toMatchObject({
      type: 'rotation-pending',
      pending: { key: 'shop/db', version: 3, writtenAt: minutes(90) },
    });
  });
});

describe('selectRotationProbes', () => {
  const objects = ['a', 'b', 'c', 'd'].map(n => es(n));
  const select = (
    cursor: number,
    max: number,
    open: NotifiedEpisode[] = [],
    out = false,
    list = objects,
  ) =>
    selectRotationProbes({
      cluster: 'prod',
      objects: list,
      open,
      out,
      cursor,
      max,
      now: NOW,
    });
  const names = (result: ReturnType<typeof select>) =>
    result.probes.map(p => `${p.object.metadata?.name}${p.open ? '*' : ''}`);

  it('reads at most `max` rows per check and goes round the others in turn', () => {
    const first = select(0, 2);
    expect(names(first)).toEqual(['a', 'b']);
    const second = select(first.cursor, 2);
    expect(names(second)).toEqual(['c', 'd']);
    expect(names(select(second.cursor, 3))).toEqual(['a', 'b', 'c']);
  });

  it('reads the told ones first, and during an outage only those', () => {
    const open = [told(objects[2], 'shop/db', 3, 90)];
    expect(names(select(0, 2, open))).toEqual(['c*', 'a']);
    expect(names(select(0, 2, open, true))).toEqual(['c*']);
  });

  it('skips what cannot be pending: failing, or reading no Vault key by name', () => {
    const failing = es('failing', { ready: false });
    const noKeys = es('no-keys', { keys: [] });
    expect(couldBePending(failing, NOW)).toBe(false);
    expect(couldBePending(noKeys, NOW)).toBe(false);
    expect(couldBePending(objects[0], NOW)).toBe(true);
    expect(
      names(select(0, 10, [], false, [failing, noKeys, objects[0]])),
    ).toEqual(['a']);
  });
});
