/**
 * The API server's health endpoints: `/healthz`, `/livez` and `/readyz`, each with its named
 * checks (`/readyz/etcd`), `?verbose` and `?exclude=<check>`, answered in plain text as
 * kube-apiserver does. The emulator has no parts that can fail on their own, so every check
 * passes; a cluster that is down (fault) drops the connection before any of this runs.
 */

const COMMON = [
  'ping',
  'log',
  'etcd',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/crd-informer-synced',
  'poststarthook/rbac/bootstrap-roles',
];

const CHECKS: Record<string, string[]> = {
  healthz: COMMON,
  livez: COMMON,
  readyz: [
    ...COMMON.slice(0, 3),
    'etcd-readiness',
    'informer-sync',
    ...COMMON.slice(3),
    'shutdown',
  ],
};

export interface HealthResponse {
  status: number;
  body: string;
}

/** The answer for a health path, or `undefined` when `path` is not one. */
export function healthResponse(
  path: string,
  query: URLSearchParams,
): HealthResponse | undefined {
  const match = /^\/(healthz|livez|readyz)(?:\/(.+?))?\/?$/.exec(path);
  if (!match) {
    return undefined;
  }
  const [, endpoint, single] = match;
  const checks = CHECKS[endpoint];
  if (single) {
    return checks.includes(single)
      ? { status: 200, body: 'ok' }
      : { status: 404, body: '404 page not found\n' };
  }
  const excluded = new Set(query.getAll('exclude'));
  const unknown = [...excluded].filter(name => !checks.includes(name));
  if (!query.has('verbose')) {
    return { status: 200, body: 'ok' };
  }
  const lines = checks.map(name =>
    excluded.has(name) ? `[+]${name} excluded: ok` : `[+]${name} ok`,
  );
  if (unknown.length) {
    lines.push(
      `warn: some health checks cannot be excluded: no matches for ${unknown
        .map(name => `"${name}"`)
        .join(',')}`,
    );
  }
  lines.push(`${endpoint} check passed`);
  return { status: 200, body: `${lines.join('\n')}\n` };
}
