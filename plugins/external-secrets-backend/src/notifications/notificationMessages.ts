import { createHash } from 'node:crypto';
import { parseEntityRef } from '@backstage/catalog-model';
import type {
  NotificationPayload,
  NotificationSeverity,
} from '@backstage/plugin-notifications-common';
import {
  DEFAULT_REFRESH_INTERVAL,
  type Finding,
  type FindingSeverity,
} from '@gitops-secrets/plugin-external-secrets-common';

/** The topic of every notification of this plugin (users can mute it in their settings). */
export const NOTIFICATION_TOPIC = 'external-secrets';

/** How a finding's severity reads as a notification's. */
export function notificationSeverityOf(
  finding: Pick<Finding, 'severity'> | undefined,
): NotificationSeverity {
  const map: Record<FindingSeverity, NotificationSeverity> = {
    error: 'high',
    warning: 'normal',
    info: 'low',
  };
  // broken without a diagnosis is still broken
  return finding ? map[finding.severity] : 'high';
}

/** The entity's Secrets tab, as the app mounts it (relative: the notifications page resolves it). */
export function secretsTabLink(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(
    kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(name)}/secrets`;
}

/** Where the platform team sees every ExternalSecret of a cluster. */
export const SECRETS_HEALTH_LINK = '/secrets-health';

export interface ExternalSecretRef {
  cluster: string;
  namespace: string;
  name: string;
}

function label(ref: ExternalSecretRef): string {
  return `${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;
}

function entityName(entityRef: string): string {
  return parseEntityRef(entityRef).name;
}

/** The scope makes the notifications backend update, not repeat, what a retry re-sends. */
function scopeOf(ref: ExternalSecretRef, episode: string, what: string) {
  return `external-secrets:${ref.cluster}/${ref.namespace}/${ref.name}:${episode}:${what}`;
}

export function failingPayload(options: {
  ref: ExternalSecretRef;
  entityRef: string;
  episode: string;
  since: Date;
  finding?: Finding;
  message?: string;
}): NotificationPayload {
  const { ref, entityRef, finding } = options;
  const what = finding
    ? `${finding.summary} Fix: ${finding.fix}`
    : `ESO reports: ${
        options.message ?? 'the ExternalSecret is not ready'
      }. Open the Secrets tab for the details.`;
  return {
    title: `${entityName(entityRef)}: ExternalSecret ${
      ref.name
    } stopped syncing`,
    // the finding first: the notifications page shows the start of a long description
    description: `${what} — ExternalSecret ${label(
      ref,
    )} fails since ${options.since.toISOString()}; the Secret keeps its last synced value.`,
    link: secretsTabLink(entityRef),
    severity: notificationSeverityOf(finding),
    topic: NOTIFICATION_TOPIC,
    scope: scopeOf(ref, options.episode, 'failing'),
  };
}

export function recoveredPayload(options: {
  ref: ExternalSecretRef;
  entityRef: string;
  episode: string;
  since: Date;
  findingCode?: string;
  lastSync?: string;
}): NotificationPayload {
  const { ref, entityRef } = options;
  const cause = options.findingCode ? ` (${options.findingCode})` : '';
  const synced = options.lastSync
    ? ` ESO synced it at ${options.lastSync}.`
    : '';
  return {
    title: `${entityName(entityRef)}: ExternalSecret ${ref.name} syncs again`,
    description: `ExternalSecret ${label(
      ref,
    )} recovered; it had failed since ${options.since.toISOString()}${cause}.${synced}`,
    link: secretsTabLink(entityRef),
    severity: 'low',
    topic: NOTIFICATION_TOPIC,
    scope: scopeOf(ref, options.episode, 'recovered'),
  };
}

export function outagePayload(options: {
  cluster: string;
  episode: string;
  cause: 'unreachable' | 'failing';
  since: Date;
  failing: number;
  total: number;
  error?: string;
}): NotificationPayload {
  const { cluster } = options;
  const description =
    options.cause === 'unreachable'
      ? `Backstage cannot reach cluster ${cluster} since ${options.since.toISOString()}${
          options.error ? ` (${options.error})` : ''
        }; the status of its ${
          options.total
        } ExternalSecrets is unknown. Owners are not told about each of them while it lasts.`
      : `${options.failing} of ${
          options.total
        } ExternalSecrets in cluster ${cluster} fail since ${options.since.toISOString()}: something they share (the cluster's Vault auth, a store, Vault itself) is likely broken. Owners are not told about each of them while it lasts.`;
  return {
    title:
      options.cause === 'unreachable'
        ? `Cluster ${cluster} is unreachable`
        : `Cluster ${cluster}: ${options.failing} of ${options.total} ExternalSecrets fail`,
    description,
    link: SECRETS_HEALTH_LINK,
    severity: 'critical',
    topic: NOTIFICATION_TOPIC,
    scope: `external-secrets:cluster:${cluster}:${options.episode}:outage`,
  };
}

export function outageOverPayload(options: {
  cluster: string;
  episode: string;
  since: Date;
  total: number;
}): NotificationPayload {
  return {
    title: `Cluster ${options.cluster}: ExternalSecrets sync again`,
    description: `The outage of cluster ${
      options.cluster
    } that began at ${options.since.toISOString()} is over: it answers and most of its ${
      options.total
    } ExternalSecrets are no longer failing. Owners of those still failing are told one by one.`,
    link: SECRETS_HEALTH_LINK,
    severity: 'normal',
    topic: NOTIFICATION_TOPIC,
    scope: `external-secrets:cluster:${options.cluster}:${options.episode}:over`,
  };
}

/** the notifications backend stores 255 characters of a scope */
const MAX_SCOPE_LENGTH = 255;

/** A rotation's scope; one too long for the notifications backend is named by its SHA-256. */
function rotationScope(
  ref: ExternalSecretRef,
  key: string,
  episode: string,
  what: string,
): string {
  const scope = scopeOf(ref, `rotation:${key}:${episode}`, what);
  return scope.length <= MAX_SCOPE_LENGTH
    ? scope
    : `external-secrets:rotation:${createHash('sha256')
        .update(scope)
        .digest('hex')}:${what}`;
}

/** When ESO reads Vault again by itself, in words, from the row's freshness. */
function nextSyncText(options: {
  nextSyncBy?: string;
  refreshInterval?: string;
  refreshPolicy?: string;
}): string {
  if (options.nextSyncBy) {
    return `ESO should have read it by ${options.nextSyncBy} (refreshInterval ${
      options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL
    })`;
  }
  switch (options.refreshPolicy) {
    case 'OnChange':
      return 'ESO re-reads Vault only when the ExternalSecret changes (refreshPolicy OnChange)';
    case 'CreatedOnce':
      return 'ESO never re-reads Vault for it (refreshPolicy CreatedOnce): delete and re-create the ExternalSecret to pick it up';
    default:
      return 'ESO does not re-read Vault on a clock for it (refreshInterval 0)';
  }
}

/** A Vault version that has not reached the cluster past `pendingRotation.after`. */
export function pendingRotationPayload(options: {
  ref: ExternalSecretRef;
  entityRef: string;
  episode: string;
  key: string;
  version: number;
  writtenAt: string;
  lastSync?: string;
  nextSyncBy?: string;
  refreshInterval?: string;
  refreshPolicy?: string;
}): NotificationPayload {
  const { ref, entityRef, key, version } = options;
  const synced = options.lastSync
    ? `its last sync was at ${options.lastSync}`
    : 'it has no recorded sync';
  return {
    title: `${entityName(entityRef)}: ExternalSecret ${
      ref.name
    }: Vault has a newer version of ${key} (v${version})`,
    description: `Vault has a newer version of ${key} (v${version}, written ${
      options.writtenAt
    }) that has not reached the cluster: ExternalSecret ${label(
      ref,
    )} still holds the previous value; ${synced}, and ${nextSyncText(
      options,
    )}. What to do: use "Sync now" on the Secrets tab; if the new version should have arrived by itself, check the ExternalSecret's refreshInterval and refreshPolicy; if a sync does not take it, read ESO's Events on the ExternalSecret (kubectl -n ${
      ref.namespace
    } describe externalsecret ${ref.name}).`,
    link: secretsTabLink(entityRef),
    severity: 'normal',
    topic: NOTIFICATION_TOPIC,
    scope: rotationScope(ref, key, options.episode, 'pending'),
  };
}

/** The version told by {@link pendingRotationPayload} (or a newer one) reached the cluster. */
export function rotationReachedPayload(options: {
  ref: ExternalSecretRef;
  entityRef: string;
  episode: string;
  key: string;
  /** the version told of */
  version: number;
  /** the version the Secret holds now */
  currentVersion?: number;
  lastSync?: string;
}): NotificationPayload {
  const { ref, entityRef, key } = options;
  let now = `v${options.version}`;
  if (options.currentVersion === undefined) {
    now = `v${options.version} or a later version`;
  } else if (options.currentVersion !== options.version) {
    now = `v${options.currentVersion} (newer than v${options.version})`;
  }
  const synced = options.lastSync ? ` at ${options.lastSync}` : '';
  return {
    title: `${entityName(entityRef)}: ExternalSecret ${
      ref.name
    }: the new version of ${key} reached the cluster`,
    description: `ESO synced ExternalSecret ${label(
      ref,
    )}${synced}: its Secret holds Vault ${now} of ${key} now. Pods that read the Secret only at start-up need a restart to see it; the Secrets tab shows which.`,
    link: secretsTabLink(entityRef),
    severity: 'low',
    topic: NOTIFICATION_TOPIC,
    scope: rotationScope(ref, key, options.episode, 'reached'),
  };
}
