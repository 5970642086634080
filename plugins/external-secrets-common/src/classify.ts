import { parseGoDuration } from './duration';
import type { StatusCondition, SyncState } from './status';

/**
 * The parts of an ExternalSecret (external-secrets.io/v1) that classification reads.
 *
 * @public
 */
export interface ExternalSecretLike {
  metadata?: { generation?: number; creationTimestamp?: string };
  spec?: { refreshInterval?: string };
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

/** ESO's default when `spec.refreshInterval` is absent. */
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

function validTime(value: string | null | undefined): string | undefined {
  if (!value) {
    return undefined;
  }
  return Number.isNaN(Date.parse(value)) ? undefined : value;
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
  const status = object.status ?? {};
  const ready = (status.conditions ?? []).find(c => c.type === 'Ready');
  const lastSyncTime = validTime(status.refreshTime);

  const intervalText = object.spec?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL;
  const intervalMs = parseGoDuration(intervalText);
  const stale =
    lastSyncTime !== undefined &&
    intervalMs !== undefined &&
    intervalMs > 0 &&
    now.getTime() - Date.parse(lastSyncTime) > 2 * intervalMs;

  const generation = object.metadata?.generation;
  const processed = syncedGeneration(status.syncedResourceVersion);
  const behindSpec =
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
      newestWarning && (newestWarning.type ?? 'Warning') === 'Warning'
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
