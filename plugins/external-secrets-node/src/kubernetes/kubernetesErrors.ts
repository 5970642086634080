/**
 * What went wrong talking to an API server, in words that are safe to show to any user of the
 * status API: no address, no response body (a `403` body names the backend's own identity), no
 * header. The full error belongs in the backend's log only.
 */

const TRANSPORT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ERR_STREAM_PREMATURE_CLOSE:
    'the connection closed before the answer was complete',
  ETIMEDOUT: 'no answer in time',
  ESOCKETTIMEDOUT: 'no answer in time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name does not resolve (DNS)',
  CERT_HAS_EXPIRED: "the API server's TLS certificate has expired",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the API server's TLS certificate is not signed by the configured CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "the API server's TLS certificate is not signed by the configured CA",
  SELF_SIGNED_CERT_IN_CHAIN:
    "the API server's TLS certificate is not signed by the configured CA",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the API server's TLS certificate is not signed by the configured CA",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the API server's TLS certificate does not name its host",
};

const STATUS_WORDS: Record<number, string> = {
  400: 'the request was rejected',
  401: "the API server does not accept the backend's token",
  403: "the backend's token is not allowed to do this (RBAC)",
  404: 'not found',
  410: 'the watched version has expired',
  429: 'the API server is throttling requests',
  500: 'the API server failed',
  502: 'the API server is unavailable',
  503: 'the API server is unavailable',
  504: 'the API server did not answer in time',
};

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return (
    code ?? (typeof e?.cause?.code === 'string' ? e.cause.code : undefined)
  );
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

/**
 * A short, safe description of a failed Kubernetes request, e.g.
 * `the backend's token is not allowed to do this (RBAC) (HTTP 403)` or `connection refused`.
 *
 * @public
 */
export function describeKubernetesError(error: unknown): string {
  const status = statusOf(error);
  if (status !== undefined && status >= 100 && status < 600) {
    return `${
      STATUS_WORDS[status] ?? 'the API server answered with an error'
    } (HTTP ${status})`;
  }
  const name = (error as { name?: unknown })?.name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return 'no answer in time';
  }
  const code = codeOf(error);
  if (code && TRANSPORT_CODES[code]) {
    return TRANSPORT_CODES[code];
  }
  const message = error instanceof Error ? error.message : '';
  if (/premature close/i.test(message)) {
    return TRANSPORT_CODES.ERR_STREAM_PREMATURE_CLOSE;
  }
  if (/socket hang up/i.test(message)) {
    return 'connection closed';
  }
  if (/timed? ?out/i.test(message)) {
    return 'no answer in time';
  }
  return code
    ? `request failed (${code.replace(/[^A-Z0-9_]/g, '')})`
    : 'request failed';
}
