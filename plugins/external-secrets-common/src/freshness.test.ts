import { assessFreshness, FreshnessInput, KvKeyMetadata } from './freshness';

const v2 = (
  currentVersion: number,
  createdTime: string | undefined,
  updatedTime?: string,
): KvKeyMetadata => ({
  kvVersion: 2,
  currentVersion,
  updatedTime,
  versions: createdTime
    ? { [String(currentVersion)]: { created_time: createdTime } }
    : {},
});

const at = (hhmm: string) => `2026-12-01T${hhmm}:00Z`;

describe('assessFreshness', () => {
  it.each<
    [
      string,
      Omit<FreshnessInput, 'keys'>,
      KvKeyMetadata,
      string,
      string | undefined,
      RegExp,
    ]
  >([
    [
      'a version written after the last sync is pending, with the next periodic sync',
      { lastSyncTime: at('13:58'), refreshInterval: '2m' },
      v2(7, at('14:02')),
      'PendingRotation',
      at('14:00'),
      /Vault v7 of app\/env written 2026-12-01T14:02:00.000Z, after the last sync at 2026-12-01T13:58:00.000Z; next sync by 2026-12-01T14:00:00.000Z \(refreshInterval 2m\)/,
    ],
    [
      'a version written before the last sync is in the Secret',
      { lastSyncTime: at('14:03'), refreshInterval: '2m' },
      v2(7, at('14:02')),
      'InSync',
      at('14:05'),
      /Vault v7 of app\/env \(written 2026-12-01T14:02:00.000Z\) was read by the sync at 2026-12-01T14:03:00.000Z/,
    ],
    [
      'a write at the very time of the sync counts as read',
      { lastSyncTime: at('14:02'), refreshInterval: '1h' },
      v2(2, at('14:02')),
      'InSync',
      '2026-12-01T15:02:00.000Z',
      /was read by the sync/,
    ],
    [
      'a write within the second of the sync counts as read (refreshTime has whole seconds)',
      { lastSyncTime: at('14:02'), refreshInterval: '1h' },
      v2(2, '2026-12-01T14:02:00.734512Z'),
      'InSync',
      '2026-12-01T15:02:00.000Z',
      /was read by the sync/,
    ],
    [
      'a write one second after the sync is pending',
      { lastSyncTime: at('14:02'), refreshInterval: '1h' },
      v2(2, '2026-12-01T14:02:01.000001234Z'),
      'PendingRotation',
      '2026-12-01T15:02:00.000Z',
      /after the last sync/,
    ],
    [
      'without a refreshInterval ESO refreshes every hour',
      { lastSyncTime: at('13:00') },
      v2(3, at('13:30')),
      'PendingRotation',
      at('14:00'),
      /refreshInterval 1h/,
    ],
    [
      'OnChange never re-reads on a clock: Sync now',
      { lastSyncTime: at('13:00'), refreshPolicy: 'OnChange' },
      v2(3, at('13:30')),
      'PendingRotation',
      undefined,
      /refreshPolicy OnChange\): use "Sync now"/,
    ],
    [
      'CreatedOnce never re-reads: re-create it',
      {
        lastSyncTime: at('13:00'),
        refreshPolicy: 'CreatedOnce',
        refreshInterval: '2m',
      },
      v2(3, at('13:30')),
      'PendingRotation',
      undefined,
      /CreatedOnce\): delete and re-create/,
    ],
    [
      'Periodic with interval 0 never re-reads on a clock',
      { lastSyncTime: at('13:00'), refreshInterval: '0' },
      v2(3, at('13:30')),
      'PendingRotation',
      undefined,
      /refreshInterval 0/,
    ],
    [
      'the version time falls back to updated_time',
      { lastSyncTime: at('13:58'), refreshInterval: '2m' },
      v2(4, undefined, at('14:01')),
      'PendingRotation',
      at('14:00'),
      /v4 of app\/env written 2026-12-01T14:01:00.000Z/,
    ],
    [
      'no write time at all cannot be compared',
      { lastSyncTime: at('13:58') },
      v2(4, undefined),
      'Unknown',
      at('14:58'),
      /does not say when version 4/,
    ],
    [
      'an ExternalSecret that never synced cannot be compared',
      { refreshInterval: '2m' },
      v2(1, at('13:00')),
      'Unknown',
      undefined,
      /has not synced yet/,
    ],
    [
      'KV v1 keeps no versions',
      { lastSyncTime: at('13:58') },
      { kvVersion: 1, currentVersion: 0 },
      'Unversioned',
      at('14:58'),
      /KV v1 mount, which keeps no versions/,
    ],
    [
      'metadata that could not be read',
      { lastSyncTime: at('13:58') },
      { error: 'permission denied' },
      'Unknown',
      at('14:58'),
      /could not be read: permission denied/,
    ],
    [
      'a key Vault does not have',
      { lastSyncTime: at('13:58') },
      null,
      'Unknown',
      at('14:58'),
      /Vault has no secret at app\/env/,
    ],
  ])('%s', (_name, input, metadata, state, nextSyncBy, summary) => {
    const result = assessFreshness({
      ...input,
      keys: [{ key: 'app/env', metadata }],
    })!;
    expect(result.state).toBe(state);
    expect(result.keys[0].state).toBe(state);
    expect(result.nextSyncBy).toBe(
      nextSyncBy ? new Date(nextSyncBy).toISOString() : undefined,
    );
    expect(result.summary).toMatch(summary);
  });

  it('is absent without keys', () => {
    expect(assessFreshness({ lastSyncTime: at('13:00'), keys: [] })).toBe(
      undefined,
    );
  });

  it.each<[string, KvKeyMetadata[], string, RegExp]>([
    [
      'one pending key makes the whole Secret pending',
      [v2(1, at('12:00')), v2(5, at('14:30'))],
      'PendingRotation',
      /Vault v5 of k1 written/,
    ],
    [
      'several pending keys are counted',
      [v2(2, at('14:10')), v2(5, at('14:30'))],
      'PendingRotation',
      /2 Vault keys have versions written after the last sync; next sync by/,
    ],
    [
      'an unreadable key outranks the in-sync ones',
      [v2(1, at('12:00')), { error: 'timeout' }],
      'Unknown',
      /k1 could not be read/,
    ],
    [
      'all keys read by the last sync',
      [v2(1, at('12:00')), v2(3, at('13:00'))],
      'InSync',
      /current Vault version of all 2 keys/,
    ],
  ])('%s', (_name, metadata, state, summary) => {
    const result = assessFreshness({
      lastSyncTime: at('14:00'),
      refreshInterval: '1h',
      keys: metadata.map((m, i) => ({ key: `k${i}`, metadata: m })),
    })!;
    expect(result.state).toBe(state);
    expect(result.summary).toMatch(summary);
  });

  it('never carries anything but versions and times', () => {
    const result = assessFreshness({
      lastSyncTime: at('14:00'),
      keys: [
        {
          key: 'app/env',
          metadata: {
            kvVersion: 2,
            currentVersion: 2,
            versions: { '2': { created_time: at('14:10') } },
            // custom metadata may hold anything: it must not pass through
            ...({ customMetadata: { note: 'do-not-copy' } } as object),
          },
        },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('do-not-copy');
  });
});
