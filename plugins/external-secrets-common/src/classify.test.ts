import { classifyExternalSecret, ExternalSecretLike } from './classify';

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
}): ExternalSecretLike {
  return {
    metadata: { generation: options.generation ?? 1 },
    spec:
      options.refreshInterval === undefined
        ? {}
        : { refreshInterval: options.refreshInterval },
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
