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
  return { messages: [], transport: transport.slice(0, 200) };
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
