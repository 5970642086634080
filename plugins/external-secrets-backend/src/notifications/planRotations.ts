import { createHash } from 'node:crypto';
import {
  classifyExternalSecret,
  type ExternalSecretStatus,
  type KeyFreshness,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { asExternalSecretLike } from '../service/classifyInput';
import type { NotifiedEpisode } from './NotificationLedger';

/** Ledger subjects of pending rotations; never equal to a failure's (`es:`) or a cluster's. */
export const ROTATION_SUBJECT_PREFIX = 'rotation:';

/** the ledger's subject column holds 700 characters */
const MAX_SUBJECT_LENGTH = 700;

/** `rotation:<cluster>/<namespace>/<name>/<uid>/`: every rotation subject of one object starts so. */
export function rotationPrefix(
  cluster: string,
  object: ExternalSecretObject,
): string {
  const { namespace, name, uid } = object.metadata ?? {};
  return `${ROTATION_SUBJECT_PREFIX}${cluster}/${namespace ?? ''}/${
    name ?? ''
  }/${uid ?? ''}/`;
}

/**
 * The ledger subject of one Vault key read by one ExternalSecret (uid included: a re-created
 * object starts afresh). A key too long for the column is named by its SHA-256, the same on
 * every replica.
 */
export function rotationSubject(
  cluster: string,
  object: ExternalSecretObject,
  key: string,
): string {
  const subject = `${rotationPrefix(cluster, object)}${key}`;
  if (subject.length <= MAX_SUBJECT_LENGTH) return subject;
  return `${rotationPrefix(cluster, object)}sha256:${createHash('sha256')
    .update(key)
    .digest('hex')}`;
}

/**
 * The episode of a rotation: the Vault version and when it was written (from Vault's KV
 * metadata, so every replica names the same one; a key deleted and written anew restarts its
 * versions at 1 and is still a new episode).
 */
export function rotationEpisode(version: number, writtenAt: string): string {
  return `v${version} ${writtenAt}`;
}

/** The version in an episode written by {@link rotationEpisode}. */
export function versionOfEpisode(episode: string): number {
  const match = /^v(\d+) /.exec(episode);
  return match ? Number(match[1]) : 0;
}

/** When the version of an episode written by {@link rotationEpisode} was written (ms). */
export function writtenAtOfEpisode(episode: string): number {
  const ms = Date.parse(episode.slice(episode.indexOf(' ') + 1));
  return Number.isNaN(ms) ? 0 : ms;
}

/** One Vault version that has not reached the cluster. */
export interface PendingRotation {
  subject: string;
  episode: string;
  /** `remoteRef.key` */
  key: string;
  version: number;
  /** when Vault's version was written, ISO */
  writtenAt: string;
  /** from when the owner is told, if it is still pending */
  notifyFrom: number;
}

/**
 * The keys of a status row whose current Vault version was written after the last sync, with
 * when the owner may be told. Only a row that is `PendingRotation` counts: one that fails or is
 * stale is about something else (and the failure notifications tell of `Error`).
 */
export function pendingRotationsOf(
  cluster: string,
  object: ExternalSecretObject,
  row: ExternalSecretStatus,
  afterMs: number,
): PendingRotation[] {
  if (row.state !== 'PendingRotation' || !row.freshness) return [];
  const pending: PendingRotation[] = [];
  for (const key of row.freshness.keys) {
    if (key.state !== 'PendingRotation') continue;
    const written = key.writtenAt ? Date.parse(key.writtenAt) : NaN;
    if (key.currentVersion === undefined || Number.isNaN(written)) continue;
    const writtenAt = new Date(written).toISOString();
    pending.push({
      subject: rotationSubject(cluster, object, key.key),
      episode: rotationEpisode(key.currentVersion, writtenAt),
      key: key.key,
      version: key.currentVersion,
      writtenAt,
      notifyFrom: written + afterMs,
    });
  }
  return pending;
}

/**
 * Whether a synced-looking ExternalSecret could have a pending rotation: the cache classifies
 * it `Synced` (the status row adds `PendingRotation` from Vault's metadata) and it reads at
 * least one Vault key by name. Only these are worth a status row.
 */
export function couldBePending(
  object: ExternalSecretObject,
  now: Date,
): boolean {
  const keys = [
    ...(object.spec?.data ?? []).map(d => d?.remoteRef?.key),
    ...(object.spec?.dataFrom ?? []).map(d => d?.extract?.key),
  ];
  return (
    keys.some(k => typeof k === 'string' && k.length > 0) &&
    classifyExternalSecret(asExternalSecretLike(object), now).state === 'Synced'
  );
}

/** What the notifier must read for rotations this check, cheapest first. */
export interface RotationProbe {
  object: ExternalSecretObject;
  /** it has a notified episode, whose end is being watched */
  open: boolean;
}

/**
 * The ExternalSecrets whose status rows one check reads: those with a notified rotation first
 * (their recovery is news), then the others in turn from `cursor`, at most `max` in all. During
 * a cluster outage only the notified ones (nothing new is told then). Pure: the notifier keeps
 * the cursor.
 */
export function selectRotationProbes(options: {
  cluster: string;
  objects: readonly ExternalSecretObject[];
  open: readonly NotifiedEpisode[];
  out: boolean;
  cursor: number;
  max: number;
  now: Date;
}): { probes: RotationProbe[]; cursor: number } {
  const { cluster, objects, max, now } = options;
  const notified = new Set(
    options.open
      .filter(e => e.subject.startsWith(ROTATION_SUBJECT_PREFIX))
      .map(e => objectPrefixOf(cluster, e.subject)),
  );
  const probes: RotationProbe[] = [];
  const others: ExternalSecretObject[] = [];
  for (const object of objects) {
    if (!couldBePending(object, now)) continue;
    if (notified.has(rotationPrefix(cluster, object))) {
      if (probes.length < max) probes.push({ object, open: true });
    } else {
      others.push(object);
    }
  }
  if (options.out || others.length === 0) {
    return { probes, cursor: options.cursor };
  }
  const start = options.cursor % others.length;
  const room = Math.min(max - probes.length, others.length);
  for (let i = 0; i < room; i++) {
    probes.push({
      object: others[(start + i) % others.length],
      open: false,
    });
  }
  return { probes, cursor: start + Math.max(room, 0) };
}

/** `rotation:<cluster>/<ns>/<name>/<uid>/` of a rotation subject of that cluster. */
function objectPrefixOf(cluster: string, subject: string): string {
  const head = `${ROTATION_SUBJECT_PREFIX}${cluster}/`;
  if (!subject.startsWith(head)) return '';
  const [namespace, name, uid] = subject.slice(head.length).split('/', 3);
  return `${head}${namespace}/${name}/${uid}/`;
}

/**
 * Whether a successful sync read Vault after a version was written: then the Secret holds that
 * version or a newer one, whatever Vault holds now. Whole seconds, as the status row compares
 * (Kubernetes keeps `refreshTime` in seconds; a write in the sync's own second counts as read).
 */
function syncedSince(writtenMs: number, lastSync: string | undefined): boolean {
  const syncMs = lastSync ? Date.parse(lastSync) : NaN;
  return (
    !Number.isNaN(syncMs) &&
    writtenMs > 0 &&
    Math.floor(writtenMs / 1000) <= Math.floor(syncMs / 1000)
  );
}

export type RotationAction =
  | {
      type: 'rotation-pending';
      object: ExternalSecretObject;
      row: ExternalSecretStatus;
      pending: PendingRotation;
    }
  | {
      type: 'rotation-reached';
      open: NotifiedEpisode;
      object: ExternalSecretObject;
      row: ExternalSecretStatus;
      key: KeyFreshness;
    }
  | {
      /** closed without a message */
      type: 'rotation-closed';
      open: NotifiedEpisode;
      /** `superseded`: a newer version of the key was told; `deleted`: object or key gone */
      as: 'superseded' | 'deleted';
    };

/**
 * What to notify about pending rotations of one cluster now, from the status rows the notifier
 * read this check and the open episodes in the ledger. Pure, like `planCluster`.
 *
 * - A key whose current version has waited past `after` on a `PendingRotation` row, and whose
 *   episode is not open: the owner is told (the ledger makes it once across replicas).
 * - A notified key whose version a sync has read since (the last successful sync is after its
 *   write, whether or not Vault holds a newer one by now): one "reached the cluster" message.
 *   Until then, or while the row is not read (failing or stale), its episode stays open.
 * - Of several open episodes of one key only the newest version is answered; older ones are
 *   closed without a message, and so are those of deleted objects and of keys no longer read.
 * - Unreachable cluster: nothing at all (its cache is old). Cluster out otherwise (`out`): no new
 *   notices, but what reached the cluster is still told.
 */
export function planRotations(options: {
  cluster: string;
  reachable: boolean;
  out: boolean;
  /** every ExternalSecret the cache holds (to find deleted ones) */
  objects: readonly ExternalSecretObject[];
  /** the rows read this check */
  rows: ReadonlyArray<{
    object: ExternalSecretObject;
    row: ExternalSecretStatus | undefined;
  }>;
  open: readonly NotifiedEpisode[];
  afterMs: number;
  now: Date;
}): RotationAction[] {
  const { cluster, now } = options;
  if (!options.reachable) return [];
  const actions: RotationAction[] = [];
  const open = options.open.filter(e =>
    e.subject.startsWith(ROTATION_SUBJECT_PREFIX),
  );

  // per subject (object + key), the newest write first: the others are superseded
  const bySubject = new Map<string, NotifiedEpisode[]>();
  for (const episode of open) {
    const list = bySubject.get(episode.subject) ?? [];
    list.push(episode);
    bySubject.set(episode.subject, list);
  }
  const newest = new Map<string, NotifiedEpisode>();
  for (const [subject, list] of bySubject) {
    list.sort(
      (a, b) => writtenAtOfEpisode(b.episode) - writtenAtOfEpisode(a.episode),
    );
    newest.set(subject, list[0]);
    for (const older of list.slice(1)) {
      actions.push({ type: 'rotation-closed', open: older, as: 'superseded' });
    }
  }

  const present = new Set(
    options.objects.map(object => rotationPrefix(cluster, object)),
  );
  for (const episode of newest.values()) {
    if (!present.has(objectPrefixOf(cluster, episode.subject))) {
      actions.push({ type: 'rotation-closed', open: episode, as: 'deleted' });
    }
  }

  const nowMs = now.getTime();
  for (const { object, row } of options.rows) {
    if (!row) continue;
    const prefix = rotationPrefix(cluster, object);
    const keys = new Map(
      (row.freshness?.keys ?? []).map(k => [
        rotationSubject(cluster, object, k.key),
        k,
      ]),
    );
    for (const [subject, episode] of newest) {
      if (!subject.startsWith(prefix)) continue;
      if (!row.freshness) continue;
      const key = keys.get(subject);
      if (!key) {
        // the ExternalSecret no longer reads this key
        actions.push({ type: 'rotation-closed', open: episode, as: 'deleted' });
      } else if (
        syncedSince(
          writtenAtOfEpisode(episode.episode),
          row.freshness.lastSyncTime ?? row.lastSyncTime,
        )
      ) {
        actions.push({
          type: 'rotation-reached',
          open: episode,
          object,
          row,
          key,
        });
      }
    }
    if (options.out) continue;
    for (const pending of pendingRotationsOf(
      cluster,
      object,
      row,
      options.afterMs,
    )) {
      if (nowMs < pending.notifyFrom) continue;
      const told = newest.get(pending.subject);
      if (
        told &&
        writtenAtOfEpisode(told.episode) >= Date.parse(pending.writtenAt)
      ) {
        continue;
      }
      actions.push({ type: 'rotation-pending', object, row, pending });
    }
  }
  return actions;
}
