/**
 * ESO's own wording, so the status backend sees in the sandbox exactly what it reads from a real
 * cluster (REFERENCE.md, "Error texts seen in Events").
 */

/** Ready condition of a synced ExternalSecret. */
export const MSG_SECRET_SYNCED = 'secret synced';
/** ESO's generic condition text; the real cause is only in the Warning Event. */
export const MSG_SYNC_ERROR = 'could not get secret data from provider';
export const MSG_STORE_VALIDATED = 'store validated';
export const MSG_STORE_CLIENT_ERROR = 'unable to create client';

export const REASON_SECRET_SYNCED = 'SecretSynced';
export const REASON_SECRET_SYNCED_ERROR = 'SecretSyncedError';
export const REASON_UPDATE_FAILED = 'UpdateFailed';
export const REASON_UPDATED = 'Updated';
export const REASON_STORE_VALID = 'Valid';
export const REASON_INVALID_PROVIDER_CONFIG = 'InvalidProviderConfig';

export function dataError(index: number, key: string, cause: string): string {
  return `error processing spec.data[${index}] (key: ${key}), err: ${cause}`;
}

export function dataFromError(index: number, cause: string): string {
  return `error processing spec.dataFrom[${index}].extract, err: ${cause}`;
}

export function propertyMissing(property: string): string {
  return `cannot find secret data for key: ${JSON.stringify(property)}`;
}

export const SECRET_DOES_NOT_EXIST = 'Secret does not exist';

export function readError(cause: string): string {
  return `cannot read secret data from Vault: ${cause}`;
}

export function loginError(cause: string): string {
  return `unable to log in to auth method: unable to log in with Kubernetes auth: ${cause}`;
}

export function caError(cause: string): string {
  return `cannot set Vault CA certificate: ${cause}`;
}

export function storeNotReady(kind: string, name: string): string {
  return `${kind} ${JSON.stringify(name)} is not ready`;
}

/**
 * The Go Vault client's `ResponseError` text, which ESO passes through (hashicorp/vault
 * `api/response.go`): each error is written as `* <error>` with nothing between them, and an
 * empty list leaves nothing after `Errors:`.
 */
export function vaultResponseError(
  method: string,
  url: string,
  status: number,
  errors: string[],
): string {
  const list = errors.map(e => `* ${e}`).join('');
  return `Error making API request.\n\nURL: ${method} ${url}\nCode: ${status}. Errors:\n\n${list}`;
}
