/**
 * What several process roles of the status-backend bench share: the fixed data set (which
 * ExternalSecret lives where), the names derived from it, and small measurement and HTTP
 * helpers. See ../status-backend.ts for the roles.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

export const ENTITY_COUNT = 2000;
/** the entity whose status the in-memory part is timed for; it has exactly this many */
export const IN_MEMORY_ENTITY = 0;
export const IN_MEMORY_ES = 10;
export const TOKEN = 'status-bench-reader';

type SeedState = 'Synced' | 'Error' | 'Stale' | 'Pending';

export interface Placement {
  entity: number;
  cluster: number;
  /** the n-th ExternalSecret of its entity */
  index: number;
  state: SeedState;
}

export function entityName(entity: number): string {
  return `svc-${String(entity).padStart(4, '0')}`;
}

/**
 * Where each of `total` ExternalSecrets lives. Entity 0 has exactly 10 (one failing, one stale),
 * spread over the clusters; the rest go round-robin over the other entities and the clusters:
 * 5% Error, 5% Stale, 2% Pending, the others Synced.
 */
export function layout(total: number, clusters: number): Placement[] {
  const placements: Placement[] = [];
  const perEntity = new Array<number>(ENTITY_COUNT).fill(0);
  for (let i = 0; i < Math.min(IN_MEMORY_ES, total); i++) {
    placements.push({
      entity: IN_MEMORY_ENTITY,
      cluster: i % clusters,
      index: perEntity[IN_MEMORY_ENTITY]++,
      state: i === 0 ? 'Error' : i === 1 ? 'Stale' : 'Synced',
    });
  }
  for (let j = 0; j < total - IN_MEMORY_ES; j++) {
    const entity = 1 + (j % (ENTITY_COUNT - 1));
    let state: SeedState = 'Synced';
    if (j % 20 === 3) state = 'Error';
    else if (j % 20 === 7) state = 'Stale';
    else if (j % 50 === 11) state = 'Pending';
    placements.push({
      entity,
      cluster: j % clusters,
      index: perEntity[entity]++,
      state,
    });
  }
  return placements;
}

export function hash(text: string, length = 32): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number) =>
  new Promise(resolve => setTimeout(resolve, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** GET and parse JSON over a keep-alive agent. */
export function getJson(
  url: string,
  agent: http.Agent | https.Agent,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const request = url.startsWith('https:') ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, res => {
      const chunks: Buffer[] = [];
      res.on('data', chunk => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function argument(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The sandbox's emulators and certificate helpers, loaded on first use. */
export function loadSandbox() {
  type Sandbox = typeof import('sandbox');
  type Certificates = typeof import('sandbox/server');
  return {
    ...(require('sandbox') as Sandbox),
    ...(require('sandbox/server') as Certificates),
  };
}
