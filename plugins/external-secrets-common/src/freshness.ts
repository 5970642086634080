import { DEFAULT_REFRESH_INTERVAL } from './classify';
import { parseGoDuration } from './duration';
import type { RefreshPolicy } from './status';

/**
 * How one Vault key compares with the last sync of the ExternalSecret that reads it:
 *
 * - `InSync`: the current Vault version was written before the last successful sync, so the
 *   Secret holds it.
 * - `PendingRotation`: Vault has a version written after the last successful sync; ESO has not
 *   read it yet.
 * - `Unversioned`: the key is on a KV v1 mount, which keeps no versions or write times.
 * - `Unknown`: Vault's metadata could not be read (or the ExternalSecret never synced).
 *
 * @public
 */
export type FreshnessState =
  | 'InSync'
  | 'PendingRotation'
  | 'Unversioned'
  | 'Unknown';

/**
 * Freshness of one remote key. Built from Vault's KV metadata only (never a value).
 *
 * @public
 */
export interface KeyFreshness {
  /** `remoteRef.key`, relative to the store's mount */
  key: string;
  state: FreshnessState;
  /** the KV version of the key's mount, when known */
  kvVersion?: 1 | 2;
  /** Vault's `current_version` (KV v2) */
  currentVersion?: number;
  /** when the current version was written (its `created_time`, else `updated_time`) */
  writtenAt?: string;
  /** one sentence for people */
  summary: string;
}

/**
 * Whether the target Secret holds what Vault holds now, per remote key and overall.
 *
 * @public
 */
export interface SecretFreshness {
  /** the worst key state: PendingRotation, then Unknown, then Unversioned, then InSync */
  state: FreshnessState;
  /** the last successful sync (`status.refreshTime`) the comparison used */
  lastSyncTime?: string;
  /**
   * When ESO re-reads Vault by itself at the latest (last sync + `refreshInterval`, `Periodic`
   * only); absent when it never does on its own (`OnChange`, `CreatedOnce`, interval 0).
   */
  nextSyncBy?: string;
  keys: KeyFreshness[];
  summary: string;
}

/**
 * What Vault's KV metadata says about one key: `null` when Vault has no secret there,
 * `{ error }` when it could not be read.
 *
 * @public
 */
export type KvKeyMetadata =
  | {
      kvVersion: 1 | 2;
      /** 0 on KV v1 */
      currentVersion: number;
      updatedTime?: string;
      versions?: Record<string, { created_time?: string }>;
    }
  | null
  | { error: string };

/** @public */
export interface FreshnessInput {
  /** `status.refreshTime` */
  lastSyncTime?: string;
  refreshInterval?: string;
  refreshPolicy?: RefreshPolicy;
  keys: Array<{ key: string; metadata: KvKeyMetadata }>;
}

const ORDER: readonly FreshnessState[] = [
  'PendingRotation',
  'Unknown',
  'Unversioned',
  'InSync',
];

function timeOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  // Vault writes the zero time for "never"; treat it as unknown.
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
}

/**
 * When ESO next re-reads Vault on its own, from the last sync and the refresh policy; undefined
 * when it never does.
 */
function nextSyncOf(input: FreshnessInput): number | undefined {
  const last = timeOf(input.lastSyncTime);
  if (
    (input.refreshPolicy ?? 'Periodic') !== 'Periodic' ||
    last === undefined
  ) {
    return undefined;
  }
  const interval = parseGoDuration(
    input.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
  );
  return interval && interval > 0 ? last + interval : undefined;
}

function whatNext(input: FreshnessInput, nextSyncBy: number | undefined) {
  if (nextSyncBy !== undefined) {
    return `next sync by ${new Date(
      nextSyncBy,
    ).toISOString()} (refreshInterval ${
      input.refreshInterval ?? DEFAULT_REFRESH_INTERVAL
    })`;
  }
  switch (input.refreshPolicy) {
    case 'OnChange':
      return 'ESO re-reads Vault only when the ExternalSecret changes (refreshPolicy OnChange): use "Sync now"';
    case 'CreatedOnce':
      return 'ESO never re-reads Vault for it (refreshPolicy CreatedOnce): delete and re-create the ExternalSecret';
    default:
      return 'ESO does not re-read Vault on a clock (refreshInterval 0)';
  }
}

function assessKey(
  key: string,
  metadata: KvKeyMetadata,
  lastSync: number | undefined,
  input: FreshnessInput,
  nextSyncBy: number | undefined,
): KeyFreshness {
  if (metadata === null) {
    return {
      key,
      state: 'Unknown',
      summary: `Vault has no secret at ${key}.`,
    };
  }
  if ('error' in metadata) {
    return {
      key,
      state: 'Unknown',
      summary: `Vault's metadata of ${key} could not be read: ${metadata.error}.`,
    };
  }
  if (metadata.kvVersion === 1) {
    return {
      key,
      state: 'Unversioned',
      kvVersion: 1,
      summary: `${key} is on a KV v1 mount, which keeps no versions: whether the Secret holds the newest value cannot be told.`,
    };
  }
  const current = metadata.currentVersion;
  const writtenText =
    metadata.versions?.[String(current)]?.created_time ?? metadata.updatedTime;
  const written = timeOf(writtenText);
  const base = {
    key,
    kvVersion: 2 as const,
    currentVersion: current,
    writtenAt:
      written !== undefined ? new Date(written).toISOString() : undefined,
  };
  if (written === undefined) {
    return {
      ...base,
      state: 'Unknown',
      summary: `Vault does not say when version ${current} of ${key} was written.`,
    };
  }
  if (lastSync === undefined) {
    return {
      ...base,
      state: 'Unknown',
      summary: `Vault v${current} of ${key} written ${base.writtenAt}; the ExternalSecret has not synced yet.`,
    };
  }
  const syncedAt = new Date(lastSync).toISOString();
  // Kubernetes stores refreshTime in whole seconds while Vault's times have nanoseconds: a sync
  // in the same second as the write reads as before it. Compare whole seconds, and count a write
  // in the sync's own second as read (the rarer error: it clears at the next sync).
  if (Math.floor(written / 1000) > Math.floor(lastSync / 1000)) {
    return {
      ...base,
      state: 'PendingRotation',
      summary: `Vault v${current} of ${key} written ${
        base.writtenAt
      }, after the last sync at ${syncedAt}; ${whatNext(input, nextSyncBy)}.`,
    };
  }
  return {
    ...base,
    state: 'InSync',
    summary: `Vault v${current} of ${key} (written ${base.writtenAt}) was read by the sync at ${syncedAt}.`,
  };
}

/**
 * Compares Vault's KV metadata of each remote key with the ExternalSecret's last successful sync
 * (`status.refreshTime`, which ESO sets on every successful read of the provider) and its refresh
 * policy. A version written after that sync has not reached the Secret yet: `PendingRotation`,
 * with when ESO will read it. Undefined when there are no keys to compare.
 *
 * @public
 */
export function assessFreshness(
  input: FreshnessInput,
): SecretFreshness | undefined {
  if (input.keys.length === 0) {
    return undefined;
  }
  const lastSync = timeOf(input.lastSyncTime);
  const nextSyncBy = nextSyncOf(input);
  const keys = input.keys.map(k =>
    assessKey(k.key, k.metadata, lastSync, input, nextSyncBy),
  );
  const state =
    ORDER.find(s => keys.some(k => k.state === s)) ?? ('Unknown' as const);
  const pending = keys.filter(k => k.state === 'PendingRotation');
  let summary: string;
  switch (state) {
    case 'PendingRotation':
      summary =
        pending.length === 1
          ? pending[0].summary
          : `${
              pending.length
            } Vault keys have versions written after the last sync; ${whatNext(
              input,
              nextSyncBy,
            )}.`;
      break;
    case 'InSync':
      summary =
        keys.length === 1
          ? keys[0].summary
          : `The Secret holds the current Vault version of all ${keys.length} keys.`;
      break;
    default:
      summary = keys.find(k => k.state === state)!.summary;
  }
  return {
    state,
    lastSyncTime:
      lastSync !== undefined ? new Date(lastSync).toISOString() : undefined,
    nextSyncBy:
      nextSyncBy !== undefined ? new Date(nextSyncBy).toISOString() : undefined,
    keys,
    summary,
  };
}
