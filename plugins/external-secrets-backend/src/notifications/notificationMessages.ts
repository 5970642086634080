import { parseEntityRef } from '@backstage/catalog-model';
import type {
  NotificationPayload,
  NotificationSeverity,
} from '@backstage/plugin-notifications-common';
import type {
  Finding,
  FindingSeverity,
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
