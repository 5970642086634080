import { randomUUID } from 'node:crypto';
import { VaultHttpResponse } from './types';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Vault's standard success envelope. */
export function envelope(
  fields: { data?: unknown; auth?: unknown; warnings?: string[] } = {},
): VaultHttpResponse {
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify({
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: fields.data ?? null,
      wrap_info: null,
      warnings: fields.warnings?.length ? fields.warnings : null,
      auth: fields.auth ?? null,
    }),
  };
}

/** A write with nothing to say is a 204; any warning turns it into a 200 envelope. */
export function written(warnings: string[] = []): VaultHttpResponse {
  if (warnings.length > 0) {
    return envelope({ warnings });
  }
  return { status: 204, headers: {} };
}

export function errorResponse(
  status: number,
  errors: string[],
): VaultHttpResponse {
  return { status, headers: JSON_HEADERS, body: JSON.stringify({ errors }) };
}

/** How Vault wraps a single error from a multierror. */
export function multiError(message: string): string {
  return `1 error occurred:\n\t* ${message}\n\n`;
}

export const permissionDenied = () =>
  errorResponse(403, [multiError('permission denied')]);

export const notFound = () => errorResponse(404, []);

export const badRequest = (message: string) => errorResponse(400, [message]);

export const unsupportedPath = (path: string) =>
  errorResponse(404, [
    `no handler for route "${path}". route entry not found.`,
  ]);

/** Thrown inside handlers to answer with an error. */
export class VaultHttpError extends Error {
  constructor(readonly response: VaultHttpResponse) {
    super(`vault error ${response.status}`);
  }
}

export function failWith(response: VaultHttpResponse): never {
  throw new VaultHttpError(response);
}
