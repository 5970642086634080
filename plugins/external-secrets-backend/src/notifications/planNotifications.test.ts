import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import type { NotifiedEpisode } from './NotificationLedger';
import {
  clusterSubject,
  externalSecretSubject,
  failureOf,
  graceOf,
  planCluster,
  type ClusterView,
} from './planNotifications';

const NOW = new Date('2026-12-02T12:00:00.000Z');
const minutes = (n: number) =>
  new Date(NOW.getTime() - n * 60_000).toISOString();

function es(
  name: string,
  state: 'synced' | 'broken' | 'never-synced',
  options: { since?: string; refreshInterval?: string; lastSync?: string } = {},
): ExternalSecretObject {
  const lastSync = options.lastSync ?? minutes(30);
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      generation: 1,
    },
    spec: {
      refreshInterval: options.refreshInterval ?? '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name },
      data: [{ secretKey: 'k', remoteRef: { key: 'shop/k', property: 'p' } }],
    },
    status: {
      conditions: [
        state === 'synced'
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'SecretSynced',
              lastTransitionTime: options.since ?? minutes(1),
            }
          : {
              type: 'Ready',
              status: 'False',
              reason: 'SecretSyncedError',
              lastTransitionTime: options.since ?? minutes(10),
            },
      ],
      refreshTime: {
        'never-synced': undefined,
        synced: minutes(1),
        broken: lastSync,
      }[state],
      syncedResourceVersion: '1-abc',
    },
  } as ExternalSecretObject;
}

const settings = {
  gracePeriodMs: 5 * 60_000,
  clusterOutage: {
    recipients: ['group:default/platform'],
    gracePeriodMs: 5 * 60_000,
    minExternalSecrets: 3,
    fraction: 0.5,
  },
};

function view(
  objects: ExternalSecretObject[],
  extra: Partial<ClusterView> = {},
) {
  return { name: 'prod', reachable: true, synced: true, objects, ...extra };
}

function openEpisode(object: ExternalSecretObject): NotifiedEpisode {
  return {
    subject: externalSecretSubject('prod', object),
    episode: minutes(30),
    cluster: 'prod',
    entityRef: 'component:default/shop',
    recipients: ['group:default/shop-team'],
    severity: 'high',
    failingSince: new Date(minutes(10)),
    openedAt: new Date(minutes(5)),
  };
}

const types = (plan: ReturnType<typeof planCluster>) =>
  plan.actions.map(a =>
    'object' in a ? `${a.type} ${a.object.metadata?.name}` : a.type,
  );

describe('failureOf', () => {
  it.each([
    ['synced', es('a', 'synced'), undefined],
    // a new service that never worked is shown on its page, not notified
    ['never synced', es('a', 'never-synced'), undefined],
  ])('%s: no failure', (_, object, expected) => {
    expect(failureOf(object, NOW, undefined)).toEqual(expected);
  });

  it('names the episode after the last successful sync and starts the grace at ESO’s transition', () => {
    expect(failureOf(es('a', 'broken'), NOW, 60_000)).toEqual({
      episode: minutes(30),
      since: Date.parse(minutes(10)),
      notifyFrom: Date.parse(minutes(9)),
    });
  });

  it('without a transition time, counts from when this replica first saw it broken', () => {
    const object = es('a', 'broken');
    delete object.status!.conditions![0].lastTransitionTime;
    expect(
      failureOf(object, NOW, 60_000, Date.parse(minutes(3))),
    ).toMatchObject({ since: Date.parse(minutes(3)) });
  });

  it.each([
    ['2m', undefined, 4 * 60_000],
    ['1h', undefined, 2 * 3_600_000],
    // never refreshed by itself: ESO's default interval
    ['0', undefined, 2 * 3_600_000],
    ['2m', 30_000, 30_000],
  ])(
    'grace for refreshInterval %s with gracePeriod %s is %d ms',
    (interval, configured, expected) => {
      expect(
        graceOf(es('a', 'broken', { refreshInterval: interval }), configured),
      ).toBe(expected);
    },
  );
});

describe('planCluster', () => {
  it('notifies a failure once it is older than the grace period', () => {
    const young = es('young', 'broken', { since: minutes(2) });
    const old = es('old', 'broken', { since: minutes(6) });
    const plan = planCluster(
      view([young, old, es('ok', 'synced'), es('x', 'synced')]),
      [],
      settings,
      NOW,
    );
    expect(types(plan)).toEqual(['failing old']);
    expect(plan.out).toBe(false);
    expect(plan.actions[0]).toMatchObject({
      subject: 'es:prod/shop/old/uid-old',
      failure: { episode: minutes(30) },
    });
  });

  it('does not notify an episode that is already open, and recovers it once it is Synced', () => {
    const broken = es('a', 'broken');
    const other = es('b', 'synced');
    expect(
      types(
        planCluster(
          view([broken, other]),
          [openEpisode(broken)],
          settings,
          NOW,
        ),
      ),
    ).toEqual([]);
    const healed = es('a', 'synced');
    expect(
      types(
        planCluster(
          view([healed, other]),
          [openEpisode(healed)],
          settings,
          NOW,
        ),
      ),
    ).toEqual(['recovered a']);
  });

  it('closes the episode of a deleted ExternalSecret without a recovery', () => {
    const gone = es('gone', 'broken');
    const plan = planCluster(
      view([es('b', 'synced')]),
      [openEpisode(gone)],
      settings,
      NOW,
    );
    expect(types(plan)).toEqual(['gone']);
  });

  it('holds every owner notification when most of a cluster breaks at once, and opens one outage', () => {
    const objects = [
      es('a', 'broken'),
      es('b', 'broken'),
      es('c', 'broken', { since: minutes(1) }),
      es('d', 'synced'),
    ];
    const plan = planCluster(view(objects), [], settings, NOW);
    expect(plan.actions).toEqual([
      {
        type: 'outage',
        cause: 'failing',
        since: Date.parse(minutes(10)),
        failing: 3,
        total: 4,
      },
    ]);
    expect(plan.held).toBe(2);
    // nothing new is told to owners of that cluster, pending rotations included
    expect(plan.out).toBe(true);
  });

  it('waits with the outage until a failure is past its grace', () => {
    const objects = ['a', 'b', 'c'].map(n =>
      es(n, 'broken', { since: minutes(1) }),
    );
    expect(planCluster(view(objects), [], settings, NOW).actions).toEqual([]);
  });

  it('during an open outage sends nothing new; when it is over, the remaining failures go to their owners', () => {
    const outage: NotifiedEpisode = {
      subject: clusterSubject('prod'),
      episode: '000001',
      cluster: 'prod',
      recipients: ['group:default/platform'],
      severity: 'critical',
      failingSince: new Date(minutes(20)),
      openedAt: new Date(minutes(15)),
    };
    const during = ['a', 'b', 'c'].map(n => es(n, 'broken'));
    expect(planCluster(view(during), [outage], settings, NOW).actions).toEqual(
      [],
    );
    const after = [es('a', 'broken'), es('b', 'synced'), es('c', 'synced')];
    expect(types(planCluster(view(after), [outage], settings, NOW))).toEqual([
      'outage-over',
      'failing a',
    ]);
  });

  it('an unreachable cluster: nothing from its stale cache, one outage after the grace period', () => {
    const objects = [es('a', 'synced')];
    const open = [openEpisode(es('b', 'broken'))];
    expect(
      planCluster(
        view(objects, {
          reachable: false,
          unreachableSince: Date.parse(minutes(4)),
        }),
        open,
        settings,
        NOW,
      ).actions,
    ).toEqual([]);
    expect(
      planCluster(
        view(objects, {
          reachable: false,
          unreachableSince: Date.parse(minutes(5)),
        }),
        open,
        settings,
        NOW,
      ).actions,
    ).toEqual([
      {
        type: 'outage',
        cause: 'unreachable',
        since: Date.parse(minutes(5)),
        failing: 0,
        total: 1,
      },
    ]);
  });

  it('a cluster not listed yet: nothing', () => {
    expect(
      planCluster(
        view([es('a', 'broken')], { synced: false }),
        [],
        settings,
        NOW,
      ).actions,
    ).toEqual([]);
  });
});
