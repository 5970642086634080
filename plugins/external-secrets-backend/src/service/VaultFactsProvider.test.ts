import {
  VaultConfigurationReader,
  VaultFactsProvider,
} from './VaultFactsProvider';

const ref = {
  server: 'https://vault.example.test:8200',
  path: 'secret',
  authMountPath: 'kubernetes',
  role: 'external-secrets-example-api',
};

function reader(overrides: Partial<VaultConfigurationReader> = {}) {
  return {
    kvVersion: jest.fn(async () => 2 as const),
    readKubernetesAuthConfig: jest.fn(async () => ({
      kubernetesHost: 'https://cluster-a.example.test:6443',
      kubernetesCaCert: '',
      issuer: '',
      disableIssValidation: true,
      tokenReviewerJwtSet: true,
    })),
    readKubernetesRole: jest.fn(async () => ({
      boundServiceAccountNames: ['external-secrets'],
      boundServiceAccountNamespaces: ['external-secrets'],
      audience: '',
      tokenPolicies: ['example-api'],
      tokenTtlSeconds: 3600,
      tokenMaxTtlSeconds: 0,
    })),
    readPolicy: jest.fn(
      async () =>
        'path "secret/data/example-api/*" { capabilities = ["read"] }',
    ),
    readKvMetadata: jest.fn(async () => undefined),
    ...overrides,
  };
}

describe('VaultFactsProvider', () => {
  it('reads configuration and metadata, then serves them from the cache until the TTL ends', async () => {
    let now = 0;
    const vault = reader();
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200/',
      ttlMs: 60_000,
      now: () => now,
    });
    const facts = await provider.factsFor(ref, ['example-api/env-file']);
    expect(facts).toMatchObject({
      kvVersion: 2,
      role: { tokenPolicies: ['example-api'] },
      policies: {
        'example-api': expect.stringContaining('secret/data/example-api/*'),
      },
      kvExists: { 'example-api/env-file': false },
    });
    await provider.factsFor(ref, ['example-api/env-file']);
    expect(vault.readKubernetesRole).toHaveBeenCalledTimes(1);
    now = 61_000;
    await provider.factsFor(ref, ['example-api/env-file']);
    expect(vault.readKubernetesRole).toHaveBeenCalledTimes(2);
  });

  it('reads Vault again after invalidate, within the TTL, for that store and its keys only', async () => {
    const vault = reader();
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200',
      now: () => 0,
    });
    await provider.factsFor(ref, ['example-api/env-file']);
    await provider.factsFor({ ...ref, role: 'other-role' }, []);
    provider.invalidate(ref, ['example-api/env-file']);
    await provider.factsFor(ref, ['example-api/env-file']);
    await provider.factsFor({ ...ref, role: 'other-role' }, []);
    expect((vault.readKubernetesRole as jest.Mock).mock.calls).toEqual([
      ['kubernetes', 'external-secrets-example-api'],
      ['kubernetes', 'other-role'],
      ['kubernetes', 'external-secrets-example-api'],
    ]);
    expect(vault.readPolicy).toHaveBeenCalledTimes(2);
    expect(vault.readKvMetadata).toHaveBeenCalledTimes(2);
    expect(vault.readKubernetesAuthConfig).toHaveBeenCalledTimes(2);
  });

  it('reports Vault being down as an error in the facts instead of throwing', async () => {
    const vault = reader({
      readKubernetesRole: jest.fn(async () => {
        throw Object.assign(
          new Error(
            'Vault Kubernetes role read at "auth/kubernetes/role/x" failed: Vault did not answer (ECONNREFUSED: connect ECONNREFUSED 10.0.0.7:8200)',
          ),
          { transportCode: 'ECONNREFUSED' },
        );
      }),
    });
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200',
    });
    // no address reaches the status API
    await expect(provider.factsFor(ref, [])).resolves.toEqual({
      error: 'Vault did not answer (connection refused)',
    });
  });

  it('caches a failure briefly, then asks Vault again', async () => {
    let now = 0;
    let fail = true;
    const vault = reader({
      readKubernetesAuthConfig: jest.fn(async () => {
        if (fail) throw Object.assign(new Error('503'), { vaultStatus: 503 });
        return undefined;
      }),
    });
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200',
      failureTtlMs: 10_000,
      now: () => now,
    });
    expect((await provider.factsFor(ref, []))?.error).toBe(
      'Vault is sealed or unavailable (HTTP 503)',
    );
    fail = false;
    now = 5_000;
    expect((await provider.factsFor(ref, []))?.error).toBe(
      'Vault is sealed or unavailable (HTTP 503)',
    );
    expect(vault.readKubernetesAuthConfig).toHaveBeenCalledTimes(1);
    now = 10_001;
    expect(await provider.factsFor(ref, [])).toMatchObject({
      authConfig: null,
    });
  });

  it('stops asking a Vault that does not answer (circuit breaker), then probes and recovers', async () => {
    let now = 0;
    let down = true;
    const calls: string[] = [];
    const unavailable = () =>
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:8200'), {
        transportCode: 'ECONNREFUSED',
      });
    const vault = reader({
      readKubernetesAuthConfig: jest.fn(async () => {
        calls.push('auth');
        if (down) throw unavailable();
        return undefined;
      }),
      readKubernetesRole: jest.fn(async () => {
        calls.push('role');
        if (down) throw unavailable();
        return undefined;
      }),
    });
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200',
      failureTtlMs: 0,
      breakerFailureThreshold: 3,
      breakerOpenMs: 10_000,
      now: () => now,
    });
    for (let i = 0; i < 3; i++) {
      now += 1;
      await provider.factsFor(ref, []);
    }
    const whileClosed = calls.length;
    for (let i = 0; i < 20; i++) {
      now += 100;
      expect((await provider.factsFor(ref, []))?.error).toMatch(
        /asked again in \d+ s/,
      );
    }
    // open: not one more request to Vault
    expect(calls.length).toBe(whileClosed);

    down = false;
    now += 10_000;
    expect(await provider.factsFor(ref, [])).toMatchObject({
      authConfig: null,
    });
    expect(calls.length).toBeGreaterThan(whileClosed);
  });

  it('stops reading beyond its per-second budget', async () => {
    const vault = reader();
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200',
      maxReadsPerSecond: 3,
      now: () => 5,
    });
    const facts = await provider.factsFor(ref, ['a', 'b', 'c']);
    expect(facts?.error).toMatch(/too many Vault reads/);
    const calls = Object.values(vault).reduce(
      (sum, fn) => sum + (fn as jest.Mock).mock.calls.length,
      0,
    );
    expect(calls).toBe(3);
  });

  it('does not diagnose stores on another Vault server', async () => {
    const vault = reader();
    const provider = new VaultFactsProvider({
      reader: vault,
      baseUrl: 'https://vault.example.test:8200',
    });
    expect(
      await provider.factsFor(
        { ...ref, server: 'https://other-vault.example.test:8200' },
        [],
      ),
    ).toBeUndefined();
    expect(vault.readKubernetesRole).not.toHaveBeenCalled();
  });

  describe('kvMetadataFor (freshness)', () => {
    const metadata = {
      kvVersion: 2 as const,
      currentVersion: 7,
      createdTime: '2026-12-01T10:00:00Z',
      updatedTime: '2026-12-01T14:02:00Z',
      versions: { '7': { created_time: '2026-12-01T14:02:00Z' } },
      customMetadata: { owner: 'not-for-the-answer' },
    };

    it('reads versions and times only, and shares the cache with diagnosis', async () => {
      const vault = reader({ readKvMetadata: jest.fn(async () => metadata) });
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
        now: () => 0,
      });
      await provider.factsFor(ref, ['example-api/env-file']);
      const answer = await provider.kvMetadataFor(ref, [
        'example-api/env-file',
      ]);
      expect(answer).toEqual({
        'example-api/env-file': {
          kvVersion: 2,
          currentVersion: 7,
          updatedTime: '2026-12-01T14:02:00Z',
          versions: { '7': { created_time: '2026-12-01T14:02:00Z' } },
        },
      });
      expect(JSON.stringify(answer)).not.toContain('not-for-the-answer');
      // diagnosis read it already: one read per key and TTL, whoever asks
      expect(vault.readKvMetadata).toHaveBeenCalledTimes(1);
    });

    it('says which keys Vault does not have and which could not be read, without rejecting', async () => {
      const vault = reader({
        readKvMetadata: jest.fn(async (_mount: string, key: string) => {
          if (key === 'gone') return undefined;
          throw Object.assign(new Error('permission denied'), {
            vaultStatus: 403,
          });
        }),
      });
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
        now: () => 0,
      });
      const answer = await provider.kvMetadataFor(ref, ['gone', 'denied']);
      expect(answer!.gone).toBeNull();
      expect(answer!.denied).toEqual({ error: expect.any(String) });
    });

    it('stops reading metadata of a Vault that does not answer (the same circuit breaker)', async () => {
      let now = 0;
      const vault = reader({
        readKvMetadata: jest.fn(async () => {
          throw new Error('connect ECONNREFUSED');
        }),
      });
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
        now: () => now,
        failureTtlMs: 0,
        breakerFailureThreshold: 3,
        breakerOpenMs: 10_000,
      });
      for (let i = 0; i < 3; i++) {
        now += 1;
        await provider.kvMetadataFor(ref, [`k${i}`]);
      }
      expect(vault.readKvMetadata).toHaveBeenCalledTimes(3);
      now += 1;
      const answer = await provider.kvMetadataFor(ref, ['k9']);
      expect(vault.readKvMetadata).toHaveBeenCalledTimes(3);
      expect(answer!.k9).toEqual({
        error: expect.stringMatching(/asked again in \d+ s/),
      });
    });

    it('keeps 10,000 rows’ freshness known within the read budget: expired keys are re-read as the budget allows, their last answer served meanwhile', async () => {
      const KEYS = 10_000;
      let now = 0;
      const versions = new Map<string, number>();
      const readsPerSecond = new Map<number, number>();
      const vault = reader({
        readKvMetadata: jest.fn(async (_mount: string, key: string) => {
          const second = Math.floor(now / 1000);
          readsPerSecond.set(second, (readsPerSecond.get(second) ?? 0) + 1);
          return {
            kvVersion: 2 as const,
            currentVersion: versions.get(key) ?? 1,
            createdTime: '2026-12-01T10:00:00Z',
            updatedTime: '2026-12-01T10:00:00Z',
            versions: {},
          };
        }),
      });
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
        now: () => now,
      });
      const keys = Array.from({ length: KEYS }, (_, i) => `svc-${i}/env`);
      let cursor = 0;
      /** users browsing: 100 rows a second, every row again every 100 s */
      async function browse(
        seconds: number,
        onAnswer?: (key: string, m: unknown) => void,
      ) {
        for (let step = 0; step < seconds * 10; step++) {
          const page = keys.slice(cursor, cursor + 10);
          cursor = (cursor + 10) % KEYS;
          const answer = await provider.kvMetadataFor(ref, page);
          for (const key of page) onAnswer?.(key, answer![key]);
          now += 100;
        }
      }

      // every key answered once: at least a quarter of the budget goes to first reads (three
      // quarters, minus the half re-reads may take), so within 10,000 ÷ 5 s and one more pass
      const known = new Set<string>();
      while (known.size < KEYS && now < 2_000_000) {
        await browse(10, (key, m) => {
          if (m && !('error' in (m as object))) known.add(key);
        });
      }
      expect(known.size).toBe(KEYS);
      expect(now).toBeLessThanOrEqual((KEYS / 5) * 1000 + 100_000);
      let unknownAfterFill = 0;
      let changedSeenAt: number | undefined;
      const changedAt = now;
      versions.set('svc-4242/env', 2);
      await browse(1200, (key, m) => {
        if (!m || 'error' in (m as object)) unknownAfterFill += 1;
        if (
          key === 'svc-4242/env' &&
          changedSeenAt === undefined &&
          (m as { currentVersion: number }).currentVersion === 2
        ) {
          changedSeenAt = now;
        }
      });
      // never more than the budget in any second
      expect(Math.max(...readsPerSecond.values())).toBeLessThanOrEqual(20);
      // once read, no row turns Unknown because the budget is busy
      expect(unknownAfterFill).toBe(0);
      // a new version shows within one re-read cycle: 10,000 keys at half the budget
      expect(changedSeenAt).toBeDefined();
      expect(changedSeenAt! - changedAt).toBeLessThanOrEqual(
        (KEYS / 10) * 1000 + 100_000,
      );
    });

    it('leaves a quarter of the read budget to diagnosis however many rows want freshness', async () => {
      const vault = reader();
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
        now: () => 0,
      });
      const keys = Array.from({ length: 30 }, (_, i) => `svc-${i}/env`);
      const freshness = await provider.kvMetadataFor(ref, keys);
      expect(vault.readKvMetadata).toHaveBeenCalledTimes(15);
      expect(
        Object.values(freshness!).filter(m => m && 'error' in m),
      ).toHaveLength(15);
      // the failing row's five reads (KV version, auth config, role, its policy, its key) fit
      const facts = await provider.factsFor(ref, ['example-api/db']);
      expect(facts?.error).toBeUndefined();
      expect(facts).toMatchObject({
        role: { tokenPolicies: ['example-api'] },
        kvExists: { 'example-api/db': false },
      });
    });

    it('serves the last answer no longer than metadataMaxStale', async () => {
      let now = 0;
      const vault = reader({
        readKvMetadata: jest.fn(async () => ({
          kvVersion: 2 as const,
          currentVersion: 3,
          createdTime: '',
          updatedTime: '',
          versions: {},
        })),
      });
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
        now: () => now,
        maxReadsPerSecond: 2,
        metadataMaxStaleMs: 120_000,
      });
      await provider.kvMetadataFor(ref, ['a']);
      now = 200_000;
      // the budget of this second is used by other keys
      await provider.kvMetadataFor(ref, ['b', 'c']);
      const late = await provider.kvMetadataFor(ref, ['a']);
      expect(late!.a).toEqual({ error: expect.stringContaining('too many') });
      now = 300_000;
      await provider.kvMetadataFor(ref, ['a']);
      // expired (60 s), 80 s old, and the half of the budget left for re-reads is used
      now = 380_000;
      await provider.kvMetadataFor(ref, ['d']);
      const stale = await provider.kvMetadataFor(ref, ['a']);
      expect(stale!.a).toMatchObject({ currentVersion: 3 });
      expect(vault.readKvMetadata).toHaveBeenCalledTimes(5);
    });

    it('reads nothing for a store on another Vault', async () => {
      const vault = reader();
      const provider = new VaultFactsProvider({
        reader: vault,
        baseUrl: ref.server,
      });
      expect(
        await provider.kvMetadataFor(
          { server: 'https://other.example.test:8200', path: 'secret' },
          ['k'],
        ),
      ).toBeUndefined();
      expect(vault.readKvMetadata).not.toHaveBeenCalled();
    });
  });
});
