import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readStatusSettings } from './statusConfig';

const read = (status: JsonObject) =>
  readStatusSettings(new ConfigReader({ externalSecrets: { status } }));

describe('readStatusSettings', () => {
  it('has a default for every budget, timeout and bound', () => {
    expect(readStatusSettings(new ConfigReader({}))).toEqual({
      budgetMs: 1000,
      vaultTimeoutMs: 10_000,
      vault: {
        ttlMs: 60_000,
        failureTtlMs: 10_000,
        maxEntries: 50_000,
        maxReadsPerSecond: 20,
        metadataMaxStaleMs: 3_600_000,
        breakerFailureThreshold: 3,
        breakerOpenMs: 10_000,
        breakerMaxOpenMs: 120_000,
      },
      kubernetes: {
        requestTimeoutMs: 30_000,
        watchTimeoutMs: 300_000,
        silentWatchMs: 180_000,
        pageSize: 500,
        maxEventsPerObject: 10,
        maxStatusEntries: 100,
      },
      watchPods: true,
      clusterHealthTtlMs: 10_000,
    });
  });

  it('turns the Pod cache off with kubernetes.watchPods: false', () => {
    expect(read({ kubernetes: { watchPods: false } }).watchPods).toBe(false);
  });

  it('reads durations as strings or milliseconds', () => {
    const settings = read({
      budget: '500ms',
      vault: { timeout: 2000, breaker: { openFor: '1m' } },
      kubernetes: { pageSize: 100 },
    });
    expect(settings).toMatchObject({
      budgetMs: 500,
      vaultTimeoutMs: 2000,
      vault: { breakerOpenMs: 60_000 },
      kubernetes: { pageSize: 100 },
    });
  });

  it.each([
    [{ budget: 'soon' }, /status\.budget/],
    [{ budget: '2h' }, /status\.budget/],
    [{ vault: { maxCachedReads: 5 } }, /vault\.maxCachedReads/],
    [{ kubernetes: { pageSize: 1.5 } }, /kubernetes\.pageSize/],
  ])('refuses %j', (status, message) => {
    expect(() => read(status)).toThrow(message);
  });
});
