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
export const REASON_CREATED = 'Created';
/** ESO's Normal event messages when it wrote the target Secret (eventCreated/eventUpdated). */
export const EVENT_CREATED = 'secret created';
export const EVENT_UPDATED = 'secret updated';
export const REASON_STORE_VALID = 'Valid';
export const REASON_INVALID_PROVIDER_CONFIG = 'InvalidProviderConfig';

export function dataError(index: number, key: string, cause: string): string {
  return `error processing spec.data[${index}] (key: ${key}), err: ${cause}`;
}

export function dataFromError(
  index: number,
  cause: string,
  kind: 'extract' | 'find' = 'extract',
): string {
  return `error processing spec.dataFrom[${index}].${kind}, err: ${cause}`;
}

/** handleFindAllSecrets wraps the provider's GetAllSecrets error (externalsecret_controller_secret.go). */
export function findAllError(cause: string): string {
  return `error getting all secrets: ${cause}`;
}

/** The Vault provider's GetAllSecrets on a KV v1 store with `find.tags` (client_get_all_secrets.go). */
export const FIND_TAGS_KV_V1 =
  'cannot perform find by tag operations with kv version v1';

/** runtime/find/find.go New: the `find.name.regexp` does not compile (Go's regexp error follows). */
export function findRegexpError(regexp: string, cause: string): string {
  return `could not compile find.name.regexp [${regexp}]: ${cause}`;
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

// Tenancy: which service account a store presents, and which namespaces may use a store
// (external-secrets v2.9.0: providers/v1/vault/auth.go and auth_kubernetes.go,
// runtime/esutils/resolvers/secret_ref.go, pkg/controllers/secretstore/client_manager.go).

/** A TokenRequest (then the legacy token Secret) for a `serviceAccountRef` failed. */
export function serviceAccountTokenError(name: string, cause: string): string {
  return `cannot request Kubernetes service account token for service account ${JSON.stringify(
    name,
  )}: ${cause}`;
}

export function getServiceAccountError(name: string, cause: string): string {
  return `cannot get Kubernetes service account ${JSON.stringify(
    name,
  )}: ${cause}`;
}

export function noSecretsBoundToServiceAccount(name: string): string {
  return `cannot find secrets bound to service account: ${JSON.stringify(
    name,
  )}`;
}

export function noTokenInServiceAccountSecrets(name: string): string {
  return `cannot find token in secrets bound to service account: ${JSON.stringify(
    name,
  )}`;
}

export function getKubeSecretError(
  name: string,
  namespace: string,
  cause: string,
): string {
  return `cannot get Kubernetes secret ${JSON.stringify(
    name,
  )} from namespace ${JSON.stringify(namespace)}: ${cause}`;
}

/** An ExternalSecret's namespace is outside its ClusterSecretStore's `spec.conditions`. */
export function clusterStoreNotAllowed(
  store: string,
  namespace: string,
): string {
  return `using cluster store ${JSON.stringify(
    store,
  )} is not allowed from namespace ${JSON.stringify(
    namespace,
  )}: denied by spec.condition`;
}

export function getNamespaceError(namespace: string, cause: string): string {
  return `failed to get a namespace ${JSON.stringify(namespace)}: ${cause}`;
}

/** The store an ExternalSecret names cannot be read (`kind` is the ref's kind). */
export function getStoreError(
  kind: string,
  name: string,
  cause: string,
): string {
  return `could not get ${kind} ${JSON.stringify(name)}, ${cause}`;
}

// ClusterExternalSecret (pkg/controllers/clusterexternalsecret, ESO 2.x): a Ready condition
// without reason, and one failure text per namespace in status.failedNamespaces.
export const MSG_CES_NAMESPACES_FAILED = 'one or more namespaces failed';
export const CES_EXTERNAL_SECRET_EXISTS =
  'external secret already exists in namespace';

// PushSecret (pkg/controllers/pushsecret/pushsecret_controller.go): reasons of its Ready
// condition and Events, and its error texts.
export const REASON_PUSH_SYNCED = 'Synced';
export const REASON_PUSH_ERRORED = 'Errored';
export const MSG_PUSH_SYNCED = 'PushSecret synced successfully';
export const MSG_PUSH_SOURCE_MISSING = 'could not get source secret';

export function pushSecretsClientError(store: string, cause: string): string {
  return `could not get secrets client for store ${store}: ${cause}`;
}

export function pushKeyMissing(key: string): string {
  return `secret key ${key} does not exist`;
}

export function pushWriteError(
  key: string,
  store: string,
  cause: string,
): string {
  return `could not write remote ref ${key} to target secretstore ${store}: ${cause}`;
}

export function pushSetSecretFailed(cause: string): string {
  return `set secret failed: ${cause}`;
}

// PushSecret policies (external-secrets v2.9.0: pkg/controllers/pushsecret/pushsecret_controller.go,
// markAsDone, pushSecretEntry, Reconcile, handleSourceSecretDeleted, markAsSourceDeleted).

/** markAsDone appends this to `PushSecret synced successfully` with `updatePolicy: IfNotExists`. */
export const MSG_PUSH_IF_NOT_EXISTS_SUFFIX =
  '. Existing secrets in providers unchanged.';
/** esapi.ReasonSourceDeleted (apis/externalsecrets/v1alpha1/pushsecret_types.go). */
export const REASON_PUSH_SOURCE_DELETED = 'SourceDeleted';
/** markAsSourceDeleted: Ready False and a Normal Event. */
export const MSG_PUSH_SOURCE_DELETED =
  'source secret deleted; provider secrets cleaned up';

/** pushSecretEntry: the provider's SecretExists failed (`updatePolicy: IfNotExists`). */
export function pushExistsCheckError(cause: string): string {
  return `could not verify if secret exists in store: ${cause}`;
}

/** Reconcile: `deletionPolicy: Delete` could not remove refs that left the spec. */
export function pushDeleteFailed(cause: string): string {
  return `Failed to Delete Secrets from Provider: ${cause}`;
}

/** handleSourceSecretDeleted: removing what was pushed after the source Secret went away failed. */
export function pushCleanupFailed(cause: string): string {
  return `failed to cleanup provider secrets: ${cause}`;
}

// The Vault provider's DeleteSecret and readSecretMetadata (providers/v1/vault/client_push.go
// and client_get.go, errNotFound).

export function vaultDeleteError(key: string, cause: string): string {
  return `could not delete secret ${key}: ${cause}`;
}

export function vaultDeleteMetadataError(key: string, cause: string): string {
  return `could not delete secret metadata ${key}: ${cause}`;
}

/** readSecretMetadata found no metadata at all. */
export const VAULT_METADATA_NOT_FOUND = 'secret not found';
