import type {
  EntityExternalSecretsStatus,
  ExternalSecretStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  FAULT_STATUS_SETTINGS,
  faultEnvironment,
  type FaultEnvironment,
} from './__testUtils__/faultEnvironment';
import { isList, type ProxiedRequest } from './__testUtils__/faultProxy';

// The fault suite (issue 12): the status backend as the plugin wires it, against the
// emulators over real sockets, each behind a fault-injecting proxy. Each test injects one
// fault, asserts what a user of the status API sees — the answer within its budget, the
// affected rows or cluster saying what is wrong, the others unchanged — then clears the fault
// and asserts that the answer converges back within one refresh period.
//
// Sockets need the real clock to deliver bytes; everything the backend times (budget, caches,
// circuit breaker, retry backoff, watch guards, Kubernetes request timeouts) runs on the fake
// one, so no assertion depends on how fast this machine is.
const realSetTimeout = global.setTimeout;
const realSleep = (ms: number) =>
  new Promise<void>(resolve => realSetTimeout(resolve, ms));

jest.setTimeout(120_000);

const BUDGET = FAULT_STATUS_SETTINGS.budget;
const VAULT_FAILURE_TTL = 10_000;
/** the longest wait of the cluster caches' retry backoff (the default) */
const CLUSTER_RETRY_MAX = 60_000;
/** positive Vault facts are cached this long (the default) */
const VAULT_FACTS_TTL = 60_000;

const ALPHA_OK = 'alpha/example-api-env-file';
const ALPHA_FAILING = 'alpha/example-api-db';
const BETA_OK = 'beta/example-api-env-file';

function byRow(status: EntityExternalSecretsStatus) {
  return Object.fromEntries(
    status.externalSecrets.map(r => [`${r.cluster}/${r.name}`, r]),
  ) as Record<string, ExternalSecretStatus>;
}

function codes(row: ExternalSecretStatus | undefined) {
  return (row?.findings ?? []).map(f => f.code);
}

function clusterOf(status: EntityExternalSecretsStatus, name: string) {
  return status.clusters.find(c => c.name === name);
}

/** Moves the fake clock in steps, giving the sockets a moment of real time after each. */
async function advance(ms: number, stepMs = 1000) {
  for (let done = 0; done < ms; done += stepMs) {
    await jest.advanceTimersByTimeAsync(Math.min(stepMs, ms - done));
    await realSleep(10);
  }
}

/**
 * Retries `check` until it passes: real time only (for sockets) unless `advanceUpToMs` lets the
 * fake clock move too, in `stepMs` steps, at most that far. Returns the fake time it took.
 */
async function until(
  check: () => void | Promise<void>,
  options: { advanceUpToMs?: number; stepMs?: number } = {},
): Promise<number> {
  const start = Date.now();
  const limit = options.advanceUpToMs ?? 0;
  const step = options.stepMs ?? 500;
  let lastError: unknown;
  for (let round = 0; round < 2000; round++) {
    try {
      await check();
      return Date.now() - start;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - start + step <= limit) {
      await jest.advanceTimersByTimeAsync(step);
    }
    await realSleep(round < 50 ? 2 : 20);
  }
  throw lastError;
}

describe('status backend against the emulators through a fault proxy', () => {
  let env: FaultEnvironment;
  /** the answer with every fault cleared and every cache filled */
  let healthy: EntityExternalSecretsStatus;

  /** An answer that needs no more fake time: Vault or the cache answer over real sockets. */
  async function statusNow() {
    const start = Date.now();
    let answer: EntityExternalSecretsStatus | undefined;
    env.status().then(a => {
      answer = a;
    });
    await until(() => expect(answer).toBeDefined());
    expect(Date.now() - start).toBe(0);
    return answer!;
  }

  /**
   * An answer that waits for Vault: it must not come before the budget and must come at it,
   * measured on the fake clock.
   */
  async function statusAtBudget() {
    const start = Date.now();
    let answer: EntityExternalSecretsStatus | undefined;
    env.status().then(a => {
      answer = a;
    });
    await jest.advanceTimersByTimeAsync(BUDGET - 1);
    await realSleep(50);
    expect(answer).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await until(() => expect(answer).toBeDefined());
    expect(Date.now() - start).toBe(BUDGET);
    return answer!;
  }

  /**
   * The rows a fault must not touch, as they were in the healthy answer. A Vault fault leaves
   * their state and findings alone, but their freshness (Vault's KV metadata) cannot be known:
   * with `vaultWords`, it must say so in those words.
   */
  function expectUnaffected(
    status: EntityExternalSecretsStatus,
    rows: string[],
    vaultWords?: string,
  ) {
    const now = byRow(status);
    const before = byRow(healthy);
    for (const row of rows) {
      if (vaultWords === undefined) {
        expect(now[row]).toEqual(before[row]);
        continue;
      }
      expect({ ...now[row], freshness: undefined }).toEqual({
        ...before[row],
        freshness: undefined,
      });
      expect(now[row].freshness).toMatchObject({
        state: 'Unknown',
        summary: expect.stringContaining(vaultWords),
      });
    }
  }

  /** Waits until the answer is the healthy one again (every row as before the fault). */
  async function expectRecovered(advanceUpToMs: number) {
    return until(
      async () => {
        const status = await env.status();
        expect(status.externalSecrets).toEqual(healthy.externalSecrets);
        expect(
          status.clusters.map(c => [c.name, c.reachable, c.error]),
        ).toEqual([
          ['alpha', true, undefined],
          ['beta', true, undefined],
        ]);
      },
      { advanceUpToMs, stepMs: 500 },
    );
  }

  const vaultReads = (since: number) =>
    env.vaultProxy.requests.filter(
      (r: ProxiedRequest) =>
        r.at >= since && !r.path.includes('/auth/approle/'),
    );

  beforeAll(async () => {
    // Kubernetes request timeouts are AbortSignal.timeout(), which runs on Node's own timers:
    // the same signal on the fake clock.
    jest.spyOn(AbortSignal, 'timeout').mockImplementation(ms => {
      const controller = new AbortController();
      setTimeout(
        () =>
          controller.abort(
            new DOMException(
              'The operation was aborted due to timeout',
              'TimeoutError',
            ),
          ),
        ms,
      );
      return controller.signal;
    });
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    env = await faultEnvironment({ alphaDownAtStart: true });
  });

  afterEach(async () => {
    await env.vaultProxy.clear();
    await env.alphaProxy.clear();
    env.setResolvable('alpha.fault.test', true);
  });

  afterAll(async () => {
    await env?.stop();
    jest.useRealTimers();
  });

  it('a cluster down at start: the other cluster’s rows are served, the cluster says why, and its rows appear once it is up', async () => {
    await until(async () =>
      expect(clusterOf(await env.status(), 'beta')).toMatchObject({
        reachable: true,
        synced: true,
      }),
    );
    const down = await statusNow();
    expect(clusterOf(down, 'alpha')).toMatchObject({
      reachable: false,
      synced: false,
      error: 'ExternalSecret: connection refused',
    });
    expect(Object.keys(byRow(down))).toEqual([BETA_OK]);
    expect(byRow(down)[BETA_OK]).toMatchObject({
      state: 'Synced',
      findings: [],
    });

    await env.alphaProxy.clear();
    const seen: EntityExternalSecretsStatus[] = [];
    const took = await until(
      async () => {
        const status = await env.status();
        seen.push(status);
        expect(clusterOf(status, 'alpha')).toMatchObject({
          reachable: true,
          synced: true,
        });
        expect(Object.keys(byRow(status)).sort()).toEqual([
          ALPHA_FAILING,
          ALPHA_OK,
          BETA_OK,
        ]);
      },
      { advanceUpToMs: CLUSTER_RETRY_MAX },
    );
    expect(took).toBeLessThanOrEqual(CLUSTER_RETRY_MAX);
    // While some of alpha's lists are in and others not, no row blames what is merely not
    // listed yet: the store exists, it just has not arrived.
    for (const status of seen) {
      for (const row of status.externalSecrets) {
        expect(codes(row)).not.toContain('STORE_MISSING');
      }
    }
    // the failing row waits for Vault's facts once; from then on they come from the cache
    await until(
      async () => {
        const status = await env.status();
        expect(codes(byRow(status)[ALPHA_FAILING])).not.toContain(
          'VAULT_FACTS_PENDING',
        );
      },
      { advanceUpToMs: BUDGET, stepMs: 100 },
    );
    healthy = await statusNow();
    const rows = byRow(healthy);
    expect(rows[ALPHA_OK]).toMatchObject({ state: 'Synced', findings: [] });
    expect(rows[BETA_OK]).toMatchObject({ state: 'Synced', findings: [] });
    expect(rows[ALPHA_FAILING].state).toBe('Error');
    // the facts Vault gave: the key the ExternalSecret asks for does not exist
    expect(codes(rows[ALPHA_FAILING])).toEqual(['SECRET_PATH_MISSING']);
  });

  /** Lets the cached Vault facts expire, so that the next answer must ask Vault. */
  async function expireVaultFacts() {
    await advance(VAULT_FACTS_TTL + 1000);
  }

  it('Vault black-holed: the answer comes at the budget, the failing row says Vault has not answered, the others are unchanged; it converges once Vault answers', async () => {
    await expireVaultFacts();
    env.vaultProxy.blackhole();
    for (let i = 0; i < 2; i++) {
      // The first answer waits the budget; by then the reads have missed it, Vault is known to
      // be slow and the second answer does not wait at all (the reads in flight are shared).
      const status = i === 0 ? await statusAtBudget() : await statusNow();
      const row = byRow(status)[ALPHA_FAILING];
      expect(row.state).toBe('Error');
      // what ESO said still explains the row; what needs Vault's side is announced as pending
      expect(codes(row)).toEqual([
        'SECRET_PATH_MISSING',
        'VAULT_FACTS_PENDING',
      ]);
      expect(
        row.findings.find(f => f.code === 'VAULT_FACTS_PENDING'),
      ).toMatchObject({
        severity: 'info',
        summary: expect.stringContaining(
          i === 0
            ? `Vault has not answered the diagnosis reads for example-api/example-api-db within ${BUDGET} ms`
            : `Vault is answering slowly (its reads take longer than ${BUDGET} ms), so this answer did not wait for the diagnosis reads of example-api/example-api-db`,
        ),
      });
      expectUnaffected(
        status,
        [ALPHA_OK, BETA_OK],
        `Vault did not answer within ${BUDGET} ms`,
      );
    }

    await env.vaultProxy.clear();
    // the reads held by the black hole fail (connection reset) and are cached as failures
    // for their short TTL; the next read after it succeeds
    const took = await expectRecovered(VAULT_FAILURE_TTL + BUDGET);
    expect(took).toBeLessThanOrEqual(VAULT_FAILURE_TTL + BUDGET);
  });

  it('Vault answering in 5 s: the answer comes at the budget, the facts arrive in the background and the entity is signalled; then they come from the cache at once', async () => {
    await expireVaultFacts();
    env.vaultProxy.delay(() => true, 5000);
    env.signals.publish.mockClear();
    const slow = await statusAtBudget();
    expect(codes(byRow(slow)[ALPHA_FAILING])).toEqual([
      'SECRET_PATH_MISSING',
      'VAULT_FACTS_PENDING',
    ]);
    expectUnaffected(
      slow,
      [ALPHA_OK, BETA_OK],
      `Vault did not answer within ${BUDGET} ms`,
    );
    expect(env.signals.publish).not.toHaveBeenCalled();

    const took = await until(
      () =>
        expect(env.signals.publish).toHaveBeenCalledWith({
          recipients: { type: 'broadcast' },
          channel: expect.stringContaining('component:default/example-api'),
          message: {
            entityRef: 'component:default/example-api',
            type: 'status-changed',
          },
        }),
      // two round trips: the role, then the policies it names
      { advanceUpToMs: 2 * 5000 + BUDGET, stepMs: 250 },
    );
    expect(took).toBeGreaterThanOrEqual(2 * 5000 - BUDGET);
    // Vault is still slow, but the page's refetch is served from the facts now cached
    const refetched = await statusNow();
    expect(refetched.externalSecrets).toEqual(healthy.externalSecrets);
  });

  it.each([
    [500, { errors: ['internal error'] }, 'Vault failed (HTTP 500)'],
    [
      503,
      { errors: ['Vault is sealed'] },
      'Vault is sealed or unavailable (HTTP 503)',
    ],
    [
      429,
      { errors: ['rate limit quota exceeded'] },
      'Vault is rate limiting or on standby (HTTP 429)',
    ],
  ])(
    'Vault answering %d: the failing row says so at once, each read is asked once, the breaker then spares Vault; it converges once Vault is back',
    async (code, body, words) => {
      await expireVaultFacts();
      env.vaultProxy.answer(() => true, code, body);
      const since = Date.now();
      const failing = await statusNow();
      const row = byRow(failing)[ALPHA_FAILING];
      expect(codes(row)).toEqual(['SECRET_PATH_MISSING', 'VAULT_UNREACHABLE']);
      expect(row.findings[1]).toMatchObject({
        severity: 'warning',
        evidence: { error: words },
      });
      expectUnaffected(failing, [ALPHA_OK, BETA_OK], words);
      // never retried on the request path
      const paths = vaultReads(since).map(r => r.path);
      expect(paths.length).toBeGreaterThan(0);
      expect(new Set(paths).size).toBe(paths.length);

      // the failure is cached and the circuit is open: refetches cost Vault nothing
      for (let i = 0; i < 3; i++) {
        const again = await statusNow();
        expect(byRow(again)[ALPHA_FAILING]).toEqual(row);
      }
      expect(vaultReads(since)).toHaveLength(paths.length);
      // once the failure has expired, one probe goes to Vault, not a diagnosis' worth of reads
      await advance(VAULT_FAILURE_TTL + 1000);
      const probed = await statusNow();
      expect(codes(byRow(probed)[ALPHA_FAILING])).toEqual([
        'SECRET_PATH_MISSING',
        'VAULT_UNREACHABLE',
      ]);
      expect(vaultReads(since).length - paths.length).toBeLessThanOrEqual(1);

      await env.vaultProxy.clear();
      await expectRecovered(40_000 + VAULT_FAILURE_TTL);
    },
  );

  it('Vault serving an untrusted TLS certificate: the failing row names the certificate problem; it converges once the trusted one is back', async () => {
    await expireVaultFacts();
    env.vaultProxy.serveCertificate(env.rogue);
    const status = await statusNow();
    const row = byRow(status)[ALPHA_FAILING];
    expect(codes(row)).toEqual(['SECRET_PATH_MISSING', 'VAULT_UNREACHABLE']);
    expect(row.findings[1].evidence).toMatchObject({
      error:
        "Vault did not answer (Vault's TLS certificate is not signed by the configured CA)",
    });
    expectUnaffected(
      status,
      [ALPHA_OK, BETA_OK],
      "Vault's TLS certificate is not signed by the configured CA",
    );
    await env.vaultProxy.clear();
    await expectRecovered(40_000 + VAULT_FAILURE_TTL);
  });

  it('the backend’s Vault token revoked: the backend logs in again and the row keeps its Vault-based diagnosis', async () => {
    await expireVaultFacts();
    const used = [...env.vault.requests]
      .reverse()
      .find(r => r.path.startsWith('auth/kubernetes/role/'))!.headers[
      'x-vault-token'
    ];
    expect(used).toBeTruthy();
    env.vault.revokeToken(used);
    const since = Date.now();
    await expectRecovered(BUDGET);
    const logins = env.vaultProxy.requests.filter(
      r => r.at >= since && r.path === '/v1/auth/approle/login',
    );
    expect(logins).toHaveLength(1);
    const now = [...env.vault.requests]
      .reverse()
      .find(r => r.path.startsWith('auth/kubernetes/role/'))!.headers[
      'x-vault-token'
    ];
    expect(now).not.toBe(used);
  });

  /** What a row of alpha says while alpha cannot be listed: its last known state, and why. */
  function expectAlphaUnreachable(
    status: EntityExternalSecretsStatus,
    error: RegExp,
  ) {
    expect(clusterOf(status, 'alpha')).toMatchObject({
      reachable: false,
      error: expect.stringMatching(error),
    });
    const rows = byRow(status);
    for (const name of [ALPHA_OK, ALPHA_FAILING]) {
      expect(rows[name]).toMatchObject({
        state: 'Unknown',
        reason: 'ClusterUnreachable',
        message: expect.stringContaining(
          `last known state: ${byRow(healthy)[name].state}`,
        ),
      });
      expect(rows[name].findings[0]).toMatchObject({
        code: 'CLUSTER_UNREACHABLE',
        evidence: { cluster: 'alpha', error: expect.stringMatching(error) },
      });
    }
    expectUnaffected(status, [BETA_OK]);
  }

  it('a Kubernetes LIST that hangs: it times out, alpha’s rows keep their last known state and say the cluster does not answer, beta is unchanged; alpha converges once LISTs are answered', async () => {
    env.alphaProxy.hang(isList);
    // the open watches break, so the caches must list again
    env.alphaProxy.dropConnections();
    const took = await until(
      async () =>
        expectAlphaUnreachable(await env.status(), /no answer in time/),
      { advanceUpToMs: 20_000, stepMs: 500 },
    );
    // the first retry's LIST is given up after the request timeout
    expect(took).toBeLessThanOrEqual(1000 + 5000 + 1000);
    expectAlphaUnreachable(await statusNow(), /no answer in time/);

    await env.alphaProxy.clear();
    await expectRecovered(CLUSTER_RETRY_MAX);
  });

  it('a watch that goes silent without closing: the change it withholds shows after the silent-watch period, and the rows converge', async () => {
    const esWatch = (r: ProxiedRequest) => r.path.endsWith('/externalsecrets');
    await until(() => expect(env.alphaProxy.openWatchCount(esWatch)).toBe(1), {
      advanceUpToMs: 5000,
    });
    const type = env.alpha.type('externalsecrets');
    const claimedExternalSecret = (name: string) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name,
        labels: { 'backstage.io/kubernetes-id': 'example-api' },
      },
      spec: {
        refreshInterval: '24h',
        secretStoreRef: {
          kind: 'ClusterSecretStore',
          name: 'vault-example-api',
        },
        data: [
          {
            secretKey: 'x',
            remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
          },
        ],
      },
    });
    // The silent-watch period counts from the last line the stream passed. Let one pass now and
    // reach the cache, so the period starts here and not at an earlier bookmark (the API server
    // sends one a minute): otherwise the watch may be given up within the minute waited below.
    await env.alpha.objects.create(
      type,
      'example-api',
      claimedExternalSecret('example-api-marker'),
    );
    const markerTook = await until(
      async () =>
        expect(
          byRow(await env.status())['alpha/example-api-marker'],
        ).toBeDefined(),
      { advanceUpToMs: 5000, stepMs: 500 },
    );
    expect(env.alphaProxy.silenceWatches()).toBeGreaterThan(0);
    await env.alpha.objects.create(
      type,
      'example-api',
      claimedExternalSecret('example-api-extra'),
    );
    try {
      // a minute on: even the API server's bookmark has not come through
      await advance(60_000);
      expect(
        byRow(await statusNow())['alpha/example-api-extra'],
      ).toBeUndefined();
      const took = await until(
        async () =>
          expect(
            byRow(await env.status())['alpha/example-api-extra'],
          ).toMatchObject({ state: 'Pending', reason: 'NotProcessed' }),
        { advanceUpToMs: 40_000, stepMs: 500 },
      );
      // within the silent-watch period (90 s) and one request timeout for the LIST
      expect(markerTook + 60_000 + took).toBeLessThanOrEqual(90_000 + 5000);
    } finally {
      await env.alpha.objects.delete(type, 'example-api', 'example-api-extra');
      await env.alpha.objects.delete(type, 'example-api', 'example-api-marker');
    }
    await expectRecovered(5000);
  });

  it('a storm of 410 Gone on every watch: the status keeps answering with every row, the caches do not re-list in a tight loop, and they settle once the storm ends', async () => {
    env.alphaProxy.expireWatches();
    env.alphaProxy.dropConnections();
    const since = Date.now();
    await advance(5000, 500);
    const lists = () =>
      env.alphaProxy.count(
        r => isList(r) && r.path.endsWith('/externalsecrets'),
        since,
      );
    const first = lists();
    // the fake clock stands still: a re-list loop without backoff would run on regardless
    await realSleep(1000);
    const during = await statusNow();
    expect(during.externalSecrets).toEqual(healthy.externalSecrets);
    expect(lists() - first).toBeLessThanOrEqual(1);

    await env.alphaProxy.clear();
    await expectRecovered(CLUSTER_RETRY_MAX);
  });

  it('DNS failure for one cluster: alpha says its name does not resolve, beta is unchanged; alpha converges once the name resolves', async () => {
    env.setResolvable('alpha.fault.test', false);
    env.alphaProxy.dropConnections();
    await until(
      async () =>
        expectAlphaUnreachable(
          await env.status(),
          /the host name does not resolve \(DNS\)/,
        ),
      { advanceUpToMs: 10_000, stepMs: 500 },
    );
    env.setResolvable('alpha.fault.test', true);
    await expectRecovered(CLUSTER_RETRY_MAX);
  });
});
