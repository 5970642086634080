/**
 * The load generator, in the driver's process: closed-loop status requests over HTTP keep-alive
 * (random entities, every 50th answer checked against what the emulators hold) and the fleet
 * API's queries with one request in flight.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { mockCredentials } from '@backstage/backend-test-utils';
import { ENTITY_COUNT, entityName, getJson, percentile } from './shared';

export const CONCURRENCY = 32;

/** A small deterministic PRNG, so every run asks for the same entities. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadResult {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  /** sampled answers whose row count or cluster health was not what the emulators hold */
  invalid: number;
  checked: number;
  seconds: number;
  /** what the first failing request got, for the report */
  firstError?: string;
}

export async function load(options: {
  port: number;
  route: 'external-secrets' | 'status-baseline';
  requests: number;
  maxMs?: number;
  seed: number;
  expected: number[];
  concurrency?: number;
}): Promise<LoadResult> {
  const concurrency = options.concurrency ?? CONCURRENCY;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const random = prng(options.seed);
  const headers = { authorization: mockCredentials.user.header() };
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let invalid = 0;
  let checked = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = options.maxMs ? started + options.maxMs : Infinity;
  async function worker() {
    while (next < options.requests && performance.now() < deadline) {
      const i = next++;
      const entity = Math.floor(random() * ENTITY_COUNT);
      const url = `http://127.0.0.1:${options.port}/api/${
        options.route
      }/entities/default/component/${entityName(entity)}/status`;
      const t0 = performance.now();
      let answer: { status: number; body: string };
      try {
        answer = await getJson(url, agent, headers);
      } catch (error) {
        errors++;
        firstError ??= String(error);
        continue;
      }
      latencies.push(performance.now() - t0);
      if (answer.status !== 200) {
        errors++;
        firstError ??= `${answer.status} ${answer.body.slice(0, 300)}`;
      } else if (i % 50 === 0) {
        checked++;
        const body = JSON.parse(answer.body) as {
          externalSecrets: unknown[];
          clusters: Array<{ reachable: boolean; synced: boolean }>;
        };
        if (
          body.externalSecrets.length !== options.expected[entity] ||
          !body.clusters.every(c => c.reachable && c.synced)
        ) {
          invalid++;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return {
    requests: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    invalid,
    checked,
    seconds: (performance.now() - started) / 1000,
    firstError,
  };
}

/** One query of the fleet API (issue 17), timed with one request in flight. */
export interface FleetResult {
  query: string;
  requests: number;
  p50: number;
  p99: number;
  /** the answer's JSON, and gzipped as the root router's compression sends it */
  bytes: number;
  gzipBytes: number;
  /** rows on the page / rows matching the query */
  rows: number;
  total: number;
  errors: number;
}

const FLEET_QUERIES = [
  'external-secrets',
  'external-secrets?state=Error',
  'external-secrets?limit=500&sort=state',
  'external-secrets?search=svc-1234',
  'stores',
];
const FLEET_REQUESTS = 100;

export async function fleetLoad(port: number): Promise<FleetResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: mockCredentials.user.header() };
  const results: FleetResult[] = [];
  for (const query of FLEET_QUERIES) {
    const url = `http://127.0.0.1:${port}/api/external-secrets/fleet/${query}`;
    const latencies: number[] = [];
    let errors = 0;
    let last: { status: number; body: string } | undefined;
    // a few to warm up (the visibility cache of the caller, JIT)
    for (let i = 0; i < 5 + FLEET_REQUESTS; i++) {
      const t0 = performance.now();
      const answer = await getJson(url, agent, headers).catch(error => ({
        status: 0,
        body: String(error),
      }));
      if (i >= 5) latencies.push(performance.now() - t0);
      if (answer.status !== 200) errors++;
      last = answer;
    }
    let rows = 0;
    let total = 0;
    try {
      const body = JSON.parse(last!.body);
      rows = Array.isArray(body.items) ? body.items.length : 0;
      total = Number(body.total ?? body.matching?.total ?? rows);
    } catch {
      errors++;
    }
    results.push({
      query,
      requests: latencies.length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      bytes: Buffer.byteLength(last!.body),
      gzipBytes: gzipSync(last!.body).length,
      rows,
      total,
      errors,
    });
  }
  agent.destroy();
  return results;
}
