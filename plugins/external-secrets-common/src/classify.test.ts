import {
  classifyExternalSecret,
  ExternalSecretLike,
  forceSyncEffect,
  refreshPolicyOf,
} from './classify';

const NOW = new Date('2026-11-28T12:00:00Z');
const minutesAgo = (m: number) =>
  new Date(NOW.getTime() - m * 60_000).toISOString();

function externalSecret(options: {
  ready?: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  refreshTime?: string | null;
  refreshInterval?: string;
  generation?: number;
  syncedGeneration?: number;
  refreshPolicy?: string;
}): ExternalSecretLike {
  return {
    metadata: { generation: options.generation ?? 1 },
    spec: {
      ...(options.refreshInterval === undefined
        ? {}
        : { refreshInterval: options.refreshInterval }),
      ...(options.refreshPolicy === undefined
        ? {}
        : { refreshPolicy: options.refreshPolicy }),
    },
    status:
      options.ready === undefined
        ? undefined
        : {
            conditions: [
              {
                type: 'Ready',
                status: options.ready,
                reason: options.reason,
                message: options.message,
                lastTransitionTime: minutesAgo(30),
              },
            ],
            refreshTime: options.refreshTime,
            syncedResourceVersion: `${options.syncedGeneration ?? 1}-8f3c0b2d`,
          },
  };
}

describe('classifyExternalSecret', () => {
  it.each([
    {
      title: 'Ready=True, synced 1 minute ago with a 2m interval',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        message: 'secret synced',
        refreshTime: minutesAgo(1),
        refreshInterval: '2m',
      }),
      state: 'Synced',
      stale: false,
    },
    {
      title:
        'Ready=True, synced 4 minutes ago with a 2m interval (exactly twice)',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        refreshTime: minutesAgo(4),
        refreshInterval: '2m',
      }),
      state: 'Synced',
      stale: false,
    },
    {
      title: 'Ready=True but the last sync is older than twice the interval',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        refreshTime: minutesAgo(5),
        refreshInterval: '2m',
      }),
      state: 'Stale',
      stale: true,
    },
    {
      title: 'Ready=True with no interval uses ESO default 1h',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        refreshTime: minutesAgo(119),
      }),
      state: 'Synced',
      stale: false,
    },
    {
      title: 'Ready=True, default 1h interval, last sync 3h ago',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        refreshTime: minutesAgo(180),
      }),
      state: 'Stale',
      stale: true,
    },
    {
      title: 'refreshInterval 0 (sync once) never goes stale by time',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        refreshTime: minutesAgo(100_000),
        refreshInterval: '0',
      }),
      state: 'Synced',
      stale: false,
    },
    {
      title: 'Ready=True but the spec changed and was not processed yet',
      es: externalSecret({
        ready: 'True',
        reason: 'SecretSynced',
        refreshTime: minutesAgo(1),
        refreshInterval: '2m',
        generation: 3,
        syncedGeneration: 2,
      }),
      state: 'Stale',
      stale: false,
    },
    {
      title: 'Ready=False with SecretSyncedError',
      es: externalSecret({
        ready: 'False',
        reason: 'SecretSyncedError',
        message: 'could not get secret data from provider',
        refreshTime: minutesAgo(1),
        refreshInterval: '2m',
      }),
      state: 'Error',
      stale: false,
    },
    {
      title: 'Ready=False, never synced',
      es: externalSecret({
        ready: 'False',
        reason: 'SecretSyncedError',
        refreshTime: null,
        refreshInterval: '2m',
      }),
      state: 'Error',
      stale: false,
    },
    {
      title: 'Ready=False and long failing: Error, with the stale flag set',
      es: externalSecret({
        ready: 'False',
        reason: 'SecretSyncedError',
        refreshTime: minutesAgo(60),
        refreshInterval: '2m',
      }),
      state: 'Error',
      stale: true,
    },
    {
      title: 'no status yet',
      es: externalSecret({}),
      state: 'Pending',
      stale: false,
    },
    {
      title: 'Ready=Unknown',
      es: externalSecret({ ready: 'Unknown', reason: 'Progressing' }),
      state: 'Unknown',
      stale: false,
    },
  ])('$title → $state', ({ es, state, stale }) => {
    const result = classifyExternalSecret(es, NOW);
    expect(result.state).toBe(state);
    expect(result.stale).toBe(stale);
  });

  it('reports the last sync time from refreshTime', () => {
    const refreshTime = minutesAgo(1);
    const result = classifyExternalSecret(
      externalSecret({ ready: 'True', refreshTime, refreshInterval: '2m' }),
      NOW,
    );
    expect(result.lastSyncTime).toBe(refreshTime);
    expect(result.reason).toBeUndefined();
  });

  it('takes the message from the newest Warning Event when the condition text is generic', () => {
    const result = classifyExternalSecret(
      externalSecret({
        ready: 'False',
        reason: 'SecretSyncedError',
        message: 'could not get secret data from provider',
      }),
      NOW,
      {
        type: 'Warning',
        reason: 'UpdateFailed',
        message:
          'error processing spec.data[0] (key: example-worker/config-file), err: cannot find secret data for key: "config.json"',
      },
    );
    expect(result.reason).toBe('SecretSyncedError');
    expect(result.message).toContain(
      'cannot find secret data for key: "config.json"',
    );
  });

  it('keeps a specific condition message over the event', () => {
    const result = classifyExternalSecret(
      externalSecret({
        ready: 'False',
        reason: 'SecretMissing',
        message: 'Secret was deleted by a user',
      }),
      NOW,
      { type: 'Warning', reason: 'UpdateFailed', message: 'older failure' },
    );
    expect(result.message).toBe('Secret was deleted by a user');
  });

  it('ignores Normal events', () => {
    const result = classifyExternalSecret(
      externalSecret({
        ready: 'False',
        reason: 'SecretSyncedError',
        message: 'could not get secret data from provider',
      }),
      NOW,
      { type: 'Normal', reason: 'Updated', message: 'Updated Secret' },
    );
    expect(result.message).toBe('could not get secret data from provider');
  });

  it('explains a stale object in words', () => {
    const result = classifyExternalSecret(
      externalSecret({
        ready: 'True',
        refreshTime: minutesAgo(10),
        refreshInterval: '2m',
      }),
      NOW,
    );
    expect(result.message).toMatch(
      /more than twice the refresh interval \(2m\)/,
    );
  });

  it('ignores an unparseable refreshTime', () => {
    const result = classifyExternalSecret(
      externalSecret({
        ready: 'True',
        refreshTime: 'yesterday',
        refreshInterval: '2m',
      }),
      NOW,
    );
    expect(result.lastSyncTime).toBeUndefined();
    expect(result.state).toBe('Synced');
  });
});

describe('refresh policies', () => {
  const synced = (o: Parameters<typeof externalSecret>[0]) =>
    externalSecret({ ready: 'True', reason: 'SecretSynced', ...o });

  it.each([
    {
      title: 'CreatedOnce synced a day ago with the default 1h interval',
      es: synced({
        refreshPolicy: 'CreatedOnce',
        refreshTime: minutesAgo(1440),
      }),
      state: 'Synced',
      stale: false,
      behindSpec: false,
    },
    {
      title: 'CreatedOnce whose spec changed after the one sync',
      es: synced({
        refreshPolicy: 'CreatedOnce',
        refreshTime: minutesAgo(1440),
        generation: 3,
        syncedGeneration: 1,
      }),
      state: 'Synced',
      stale: false,
      behindSpec: false,
    },
    {
      title: 'OnChange synced a day ago (no clock)',
      es: synced({
        refreshPolicy: 'OnChange',
        refreshInterval: '1m',
        refreshTime: minutesAgo(1440),
      }),
      state: 'Synced',
      stale: false,
      behindSpec: false,
    },
    {
      title: 'OnChange whose spec changed and ESO has not caught up',
      es: synced({
        refreshPolicy: 'OnChange',
        refreshTime: minutesAgo(5),
        generation: 2,
        syncedGeneration: 1,
      }),
      state: 'Stale',
      stale: false,
      behindSpec: true,
    },
    {
      title: 'Periodic with refreshInterval 0 synced a week ago',
      es: synced({ refreshInterval: '0', refreshTime: minutesAgo(10080) }),
      state: 'Synced',
      stale: false,
      behindSpec: false,
    },
    {
      title: 'Periodic with refreshInterval 0s and a later spec change',
      es: synced({
        refreshInterval: '0s',
        refreshTime: minutesAgo(60),
        generation: 2,
        syncedGeneration: 1,
      }),
      state: 'Synced',
      stale: false,
      behindSpec: false,
    },
    {
      title: "an unknown refreshPolicy is ESO's default, Periodic",
      es: synced({
        refreshPolicy: 'Sometimes',
        refreshInterval: '2m',
        refreshTime: minutesAgo(10),
      }),
      state: 'Stale',
      stale: true,
      behindSpec: false,
    },
  ])('$title → $state', ({ es, state, stale, behindSpec }) => {
    const result = classifyExternalSecret(es, NOW);
    expect(result.state).toBe(state);
    expect(result.stale).toBe(stale);
    expect(result.behindSpec).toBe(behindSpec);
  });

  it.each([
    [undefined, 'Periodic'],
    ['Periodic', 'Periodic'],
    ['OnChange', 'OnChange'],
    ['CreatedOnce', 'CreatedOnce'],
    ['createdonce', 'Periodic'],
  ])('refreshPolicy %s → %s', (policy, expected) => {
    expect(refreshPolicyOf({ spec: { refreshPolicy: policy } })).toBe(expected);
  });
});

describe('forceSyncEffect', () => {
  it.each([
    {
      title: 'Periodic with an interval',
      es: externalSecret({
        ready: 'True',
        refreshTime: minutesAgo(1),
        refreshInterval: '1h',
      }),
      effective: true,
    },
    {
      title: 'CreatedOnce after its sync',
      es: externalSecret({
        ready: 'True',
        refreshTime: minutesAgo(1),
        refreshPolicy: 'CreatedOnce',
      }),
      effective: false,
      reason: /CreatedOnce.*ignores force-sync.*re-create/,
    },
    {
      title: 'CreatedOnce that never synced',
      es: externalSecret({
        ready: 'False',
        refreshTime: null,
        refreshPolicy: 'CreatedOnce',
      }),
      effective: true,
    },
    {
      title: 'Periodic with refreshInterval 0 after its sync',
      es: externalSecret({
        ready: 'True',
        refreshTime: minutesAgo(1),
        refreshInterval: '0',
      }),
      effective: false,
      reason: /refreshInterval is 0.*ignores force-sync/,
    },
    {
      title: 'OnChange: the annotation change is itself a change',
      es: externalSecret({
        ready: 'True',
        refreshTime: minutesAgo(1),
        refreshPolicy: 'OnChange',
        refreshInterval: '0',
      }),
      effective: true,
    },
    {
      title: 'no status at all',
      es: { spec: { refreshPolicy: 'CreatedOnce' } },
      effective: true,
    },
    {
      title: 'CreatedOnce whose Secret was deleted (ESO rewrites it)',
      es: externalSecret({
        ready: 'False',
        reason: 'SecretDeleted',
        refreshTime: minutesAgo(1),
        refreshPolicy: 'CreatedOnce',
      }),
      effective: true,
    },
  ])('$title → effective $effective', ({ es, effective, reason }) => {
    const result = forceSyncEffect(es);
    expect(result.effective).toBe(effective);
    expect(result.reason ?? '').toMatch(reason ?? /^$/);
  });
});

it('treats a missing target Secret as a reason to sync under any policy', () => {
  const es = externalSecret({
    ready: 'True',
    refreshTime: minutesAgo(1),
    refreshPolicy: 'CreatedOnce',
  });
  expect(forceSyncEffect(es, false).effective).toBe(true);
  expect(forceSyncEffect(es, true).effective).toBe(false);
});

describe('malformed objects', () => {
  it.each([
    ['status is not an object', { status: 'broken' as any }],
    [
      'conditions is not a list',
      { status: { conditions: { type: 'Ready' } as any } },
    ],
    [
      'conditions without a type',
      { status: { conditions: [{ status: 'True' } as any, null as any] } },
    ],
    [
      'a non-text refreshTime and version',
      {
        status: {
          conditions: [],
          refreshTime: 42 as any,
          syncedResourceVersion: 7 as any,
        },
      },
    ],
    [
      'a non-text refreshInterval',
      { spec: { refreshInterval: 5 as any }, status: {} },
    ],
    [
      'a generation that is not a number',
      { metadata: { generation: 'x' as any }, status: {} },
    ],
  ])('%s → Pending, no throw', (_title, object) => {
    expect(
      classifyExternalSecret(object as ExternalSecretLike, NOW).state,
    ).toBe('Pending');
    expect(() => forceSyncEffect(object as ExternalSecretLike)).not.toThrow();
  });

  it('reads a Ready condition whose fields are not text', () => {
    const result = classifyExternalSecret(
      {
        status: {
          conditions: [{ type: 'Ready', status: 'False', message: 12 as any }],
        },
      },
      NOW,
      { type: 'Warning', message: 99 as any },
    );
    expect(result.state).toBe('Error');
    expect(result.message).toBeUndefined();
  });
});
