import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';

/**
 * A failed Vault call before it becomes a Backstage error: the HTTP status (undefined when
 * Vault never answered) and Vault's own messages.
 */
export interface VaultFailure {
  status?: number;
  messages: string[];
  /** For a network failure: what the transport said (never a header or a body). */
  transport?: string;
  /** For a network failure: the system error code (`ECONNREFUSED`, `ETIMEDOUT`, …). */
  code?: string;
}

/**
 * What a thrown Vault error carries besides its message, for callers that must describe it
 * without the message (which names paths and may name addresses).
 *
 * @public
 */
export interface VaultErrorDetails {
  /** Vault's HTTP status; undefined when Vault never answered */
  vaultStatus?: number;
  /** the transport's error code when Vault never answered */
  transportCode?: string;
  /** Vault's own error messages */
  vaultMessages?: string[];
}

/** Vault wraps single errors as "1 error occurred:\n\t* text\n\n"; keep the text. */
function cleanMessage(message: string): string {
  return message
    .replace(/^\d+ errors? occurred:\s*/, '')
    .replace(/^\s*\*\s*/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reads status and messages from a node-vault or axios error, without keeping the error. */
export function describeFailure(error: unknown): VaultFailure {
  const e = error as {
    response?: { statusCode?: number; body?: { errors?: unknown } };
    code?: string;
    message?: string;
  };
  if (e?.response?.statusCode !== undefined) {
    const raw = e.response.body?.errors;
    const messages = Array.isArray(raw)
      ? raw.filter((m): m is string => typeof m === 'string').map(cleanMessage)
      : [];
    return { status: e.response.statusCode, messages };
  }
  // Axios puts the request config (headers included) on its errors: only keep code and message.
  const transport =
    [e?.code, e?.message].filter(Boolean).join(': ') || 'no answer';
  return {
    messages: [],
    transport: transport.slice(0, 200),
    code: typeof e?.code === 'string' ? e.code : undefined,
  };
}

export function isRetryable(failure: VaultFailure): boolean {
  if (failure.status === undefined) return true;
  return failure.status === 429 || failure.status >= 500;
}

/**
 * Turns a failure into the Backstage error a caller can act on, naming the operation, the
 * Vault path and Vault's own message.
 */
export function toBackstageError(
  operation: string,
  path: string,
  failure: VaultFailure,
): Error {
  const details: VaultErrorDetails = {
    vaultStatus: failure.status,
    transportCode: failure.code,
    vaultMessages: failure.messages,
  };
  return Object.assign(mapFailure(operation, path, failure), details);
}

function mapFailure(
  operation: string,
  path: string,
  failure: VaultFailure,
): Error {
  const said = failure.messages.length
    ? failure.messages.join('; ')
    : `status ${failure.status}`;
  const where = `Vault ${operation} at "${path}"`;
  switch (failure.status) {
    case undefined:
      return new Error(
        `${where} failed: Vault did not answer (${failure.transport})`,
      );
    case 400:
      return new InputError(`${where} was rejected: ${said}`);
    case 403:
      return new NotAllowedError(
        `${where} was denied: ${said}. Check the policies of the token the backend uses`,
      );
    case 404:
      return new NotFoundError(`${where} failed: ${said}`);
    case 409:
      return new ConflictError(`${where} failed: ${said}`);
    default:
      return new Error(
        `${where} failed with status ${failure.status}: ${said}`,
      );
  }
}

const TRANSPORT_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'no answer in time',
  ETIMEDOUT: 'no answer in time',
  ESOCKETTIMEDOUT: 'no answer in time',
  ERR_CANCELED: 'no answer in time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name does not resolve (DNS)',
  CERT_HAS_EXPIRED: "Vault's TLS certificate has expired",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "Vault's TLS certificate is not signed by the configured CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "Vault's TLS certificate is not signed by the configured CA",
  SELF_SIGNED_CERT_IN_CHAIN:
    "Vault's TLS certificate is not signed by the configured CA",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "Vault's TLS certificate is not signed by the configured CA",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "Vault's TLS certificate does not name its host",
};

/**
 * A short description of a failed Vault call that is safe to show to any user: Vault's status
 * and what it means, or what the transport said — never an address, a path or a header.
 *
 * @public
 */
export function describeVaultError(error: unknown): string {
  const details = (error ?? {}) as VaultErrorDetails;
  const status = details.vaultStatus;
  if (status === undefined) {
    const code = details.transportCode;
    if (code && TRANSPORT_WORDS[code]) {
      return `Vault did not answer (${TRANSPORT_WORDS[code]})`;
    }
    return 'Vault did not answer';
  }
  if (status === 403) {
    return (details.vaultMessages ?? []).some(m => /invalid token/i.test(m))
      ? "Vault does not accept the backend's token (invalid token)"
      : "Vault denied the backend's token (permission denied)";
  }
  if (status === 429) return 'Vault is rate limiting or on standby (HTTP 429)';
  if (status === 503) return 'Vault is sealed or unavailable (HTTP 503)';
  if (status >= 500) return `Vault failed (HTTP ${status})`;
  return `Vault refused the request (HTTP ${status})`;
}
