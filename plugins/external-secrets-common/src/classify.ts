import { parseGoDuration } from './duration';
import type {
  ForceSyncEffect,
  RefreshPolicy,
  StatusCondition,
  SyncState,
} from './status';

/**
 * The parts of an ExternalSecret (external-secrets.io/v1) that classification reads.
 *
 * @public
 */
export interface ExternalSecretLike {
  metadata?: { generation?: number; creationTimestamp?: string };
  spec?: { refreshInterval?: string; refreshPolicy?: string };
  status?: {
    conditions?: StatusCondition[];
    refreshTime?: string | null;
    syncedResourceVersion?: string;
  };
}

/**
 * The parts of a Kubernetes Event that classification reads.
 *
 * @public
 */
export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
}

/**
 * Result of classifying one ExternalSecret.
 *
 * @public
 */
export interface Classification {
  state: SyncState;
  reason?: string;
  message?: string;
  lastSyncTime?: string;
  /** true when the last successful sync is older than twice the refresh interval */
  stale: boolean;
  /** true when ESO has not processed the current `metadata.generation` yet */
  behindSpec: boolean;
}

/**
 * The refresh policy ESO applies: `spec.refreshPolicy`, `Periodic` when absent or unknown (ESO's
 * own default branch).
 *
 * @public
 */
export function refreshPolicyOf(object: ExternalSecretLike): RefreshPolicy {
  const policy = object.spec?.refreshPolicy;
  return policy === 'OnChange' || policy === 'CreatedOnce'
    ? policy
    : 'Periodic';
}

/**
 * ESO's default when `spec.refreshInterval` is absent, for ExternalSecrets and PushSecrets alike
 * (both CRDs default it to one hour).
 *
 * @public
 */
export const DEFAULT_REFRESH_INTERVAL = '1h';

/**
 * Condition texts ESO writes for any provider failure. They say nothing about the cause,
 * which is only in the newest Warning Event.
 */
const GENERIC_MESSAGES = [
  'could not get secret data from provider',
  'could not get provider client',
  'could not get secret data',
  'unable to create client',
  'unable to validate store',
  'error retrieving secret',
];

function isGeneric(message: string | undefined): boolean {
  if (!message || message.trim() === '') {
    return true;
  }
  const text = message.toLowerCase();
  return GENERIC_MESSAGES.some(g => text.includes(g));
}

/**
 * The generation ESO last processed, from `status.syncedResourceVersion` (`<generation>-<hash>`).
 */
function syncedGeneration(version: string | undefined): number | undefined {
  const match = /^(\d+)-/.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

function validTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) {
    return undefined;
  }
  return Number.isNaN(Date.parse(value)) ? undefined : value;
}

const textOr = (value: unknown, fallback: string) =>
  typeof value === 'string' && value.trim() !== '' ? value : fallback;

const numberOr = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * The Ready condition, from whatever an object's status holds: conditions that are not a list,
 * or entries without a type or with non-text fields, are skipped instead of failing the row.
 */
function readyCondition(conditions: unknown): StatusCondition | undefined {
  if (!Array.isArray(conditions)) {
    return undefined;
  }
  const found = conditions.find(
    (c): c is StatusCondition =>
      !!c && typeof c === 'object' && (c as StatusCondition).type === 'Ready',
  );
  if (!found) {
    return undefined;
  }
  return {
    type: 'Ready',
    status: typeof found.status === 'string' ? found.status : 'Unknown',
    reason: typeof found.reason === 'string' ? found.reason : undefined,
    message: typeof found.message === 'string' ? found.message : undefined,
    lastTransitionTime:
      typeof found.lastTransitionTime === 'string'
        ? found.lastTransitionTime
        : undefined,
  };
}

/**
 * Classifies an ExternalSecret from its status and, optionally, the newest Warning Event ESO
 * recorded on it. `Ready=True` alone is not enough to be `Synced`: the last sync must be
 * recent (within twice the refresh interval) and the current spec must have been processed.
 *
 * @public
 */
export function classifyExternalSecret(
  object: ExternalSecretLike,
  now: Date,
  newestWarning?: EventLike,
): Classification {
  const status =
    object.status && typeof object.status === 'object' ? object.status : {};
  const ready = readyCondition(status.conditions);
  const lastSyncTime = validTime(status.refreshTime);
  const policy = refreshPolicyOf(object);

  const intervalText = textOr(
    object.spec?.refreshInterval,
    DEFAULT_REFRESH_INTERVAL,
  );
  const intervalMs = parseGoDuration(intervalText);
  // Only Periodic refreshes on a clock; OnChange and CreatedOnce are never late by time alone.
  const stale =
    policy === 'Periodic' &&
    lastSyncTime !== undefined &&
    intervalMs !== undefined &&
    intervalMs > 0 &&
    now.getTime() - Date.parse(lastSyncTime) > 2 * intervalMs;

  const generation = numberOr(object.metadata?.generation);
  const processed = syncedGeneration(
    typeof status.syncedResourceVersion === 'string'
      ? status.syncedResourceVersion
      : undefined,
  );
  // CreatedOnce, and Periodic with interval 0, never apply a later spec change once synced (by
  // design), so being behind the spec is not stale for them.
  const syncsOnlyOnce =
    policy === 'CreatedOnce' || (policy === 'Periodic' && intervalMs === 0);
  const behindSpec =
    !syncsOnlyOnce &&
    generation !== undefined &&
    processed !== undefined &&
    processed < generation;

  if (!ready) {
    return {
      state: 'Pending',
      reason: 'NotProcessed',
      message:
        'The External Secrets Operator has not reported on this ExternalSecret yet.',
      lastSyncTime,
      stale,
      behindSpec,
    };
  }

  if (ready.status === 'False') {
    const warning =
      newestWarning &&
      (newestWarning.type ?? 'Warning') === 'Warning' &&
      typeof newestWarning.message === 'string'
        ? newestWarning.message
        : undefined;
    const message =
      warning && isGeneric(ready.message) ? warning : ready.message || warning;
    return {
      state: 'Error',
      reason: ready.reason,
      message,
      lastSyncTime,
      stale,
      behindSpec,
    };
  }

  if (ready.status === 'True') {
    if (behindSpec) {
      return {
        state: 'Stale',
        reason: ready.reason,
        message: `The spec changed (generation ${generation}) but the controller last synced generation ${processed}.`,
        lastSyncTime,
        stale,
        behindSpec,
      };
    }
    if (stale) {
      return {
        state: 'Stale',
        reason: ready.reason,
        message: `Last successful sync at ${lastSyncTime}, more than twice the refresh interval (${intervalText}) ago.`,
        lastSyncTime,
        stale,
        behindSpec,
      };
    }
    return {
      state: 'Synced',
      reason: ready.reason,
      message: ready.message,
      lastSyncTime,
      stale,
      behindSpec,
    };
  }

  return {
    state: 'Unknown',
    reason: ready.reason,
    message: ready.message,
    lastSyncTime,
    stale,
    behindSpec,
  };
}

/**
 * Whether ESO acts on its `force-sync` annotation for this ExternalSecret (ESO's
 * `shouldRefresh`): not for `CreatedOnce` once it has synced, not for `Periodic` with
 * `refreshInterval: 0` once it has synced. `OnChange` re-syncs on the annotation change itself.
 * Before the first sync every policy syncs, and so does any policy when the target Secret is
 * gone (ESO rewrites a missing Secret on every reconcile): pass `targetExists: false` then.
 *
 * @public
 */
export function forceSyncEffect(
  object: ExternalSecretLike,
  targetExists?: boolean,
): ForceSyncEffect {
  const status =
    object.status && typeof object.status === 'object' ? object.status : {};
  const ready = readyCondition(status.conditions);
  if (targetExists === false || ready?.reason === 'SecretDeleted') {
    return { effective: true };
  }
  const synced =
    typeof status.syncedResourceVersion === 'string' &&
    status.syncedResourceVersion !== '' &&
    validTime(status.refreshTime) !== undefined;
  if (!synced) {
    return { effective: true };
  }
  const policy = refreshPolicyOf(object);
  if (policy === 'CreatedOnce') {
    return {
      effective: false,
      reason:
        'refreshPolicy is CreatedOnce and ESO has synced it once: ESO ignores force-sync. Delete and re-create the ExternalSecret to sync it again.',
    };
  }
  const interval = parseGoDuration(
    textOr(object.spec?.refreshInterval, DEFAULT_REFRESH_INTERVAL),
  );
  if (policy === 'Periodic' && interval !== undefined && interval <= 0) {
    return {
      effective: false,
      reason:
        'refreshInterval is 0 and ESO has synced it once: ESO ignores force-sync (and later spec changes). Set a refreshInterval above 0, or delete and re-create the ExternalSecret, to sync it again.',
    };
  }
  return { effective: true };
}
