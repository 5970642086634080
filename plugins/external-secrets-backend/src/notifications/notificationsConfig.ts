import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config, readDurationFromConfig } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { NotificationSeverity } from '@backstage/plugin-notifications-common';
import { durationToMilliseconds } from '@backstage/types';

export const NOTIFICATION_SEVERITIES: readonly NotificationSeverity[] = [
  'critical',
  'high',
  'normal',
  'low',
];

/** `externalSecrets.notifications`, read once at start-up. */
export interface NotificationSettings {
  enabled: boolean;
  /**
   * How long an ExternalSecret must stay broken before its owner is told; undefined means two
   * of its own refresh intervals.
   */
  gracePeriodMs?: number;
  /** how often the caches are evaluated */
  checkIntervalMs: number;
  /** who is told instead of the claiming entity's owner; undefined: the owner */
  recipients?: string[];
  /** the notification severities that are sent; a recovery follows every sent failure */
  severities: NotificationSeverity[];
  clusterOutage: {
    /** who hears of a cluster outage; none: nobody (the owners' notifications stay held) */
    recipients: string[];
    /** a cluster unreachable this long is an outage */
    gracePeriodMs: number;
    /** at least this many ExternalSecrets of one cluster failing at once is an outage ... */
    minExternalSecrets: number;
    /** ... when they are at least this fraction of the cluster's ExternalSecrets */
    fraction: number;
  };
  /** most notifications one replica sends per check (a bound, whatever the detection) */
  maxPerCheck: number;
  /**
   * A Vault version written after the last sync that has not reached the cluster this long is
   * told to the owner (severity normal), and once more when it has.
   */
  pendingRotation: {
    enabled: boolean;
    /** how long a version may wait, counted from when it was written in Vault */
    afterMs: number;
  };
}

const DEFAULT_CHECK_INTERVAL_MS = 30_000;
const DEFAULT_OUTAGE_GRACE_MS = 5 * 60_000;
const DEFAULT_PENDING_ROTATION_AFTER_MS = 3_600_000;

function duration(config: Config, key: string, path: string): number {
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (error) {
    throw new InputError(
      `externalSecrets.notifications.${path} must be a duration such as "10m", "PT10M" or { minutes: 10 }: ${
        (error as Error).message
      }`,
    );
  }
  if (!(ms >= 1000)) {
    throw new InputError(
      `externalSecrets.notifications.${path} must be at least one second`,
    );
  }
  return ms;
}

function entityRefs(
  config: Config,
  key: string,
  path: string,
): string[] | undefined {
  const refs = config.getOptionalStringArray(key);
  if (!refs) return undefined;
  return refs.map(ref => {
    try {
      // a bare name is a group, as in spec.owner
      return stringifyEntityRef(
        parseEntityRef(ref, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      );
    } catch (error) {
      throw new InputError(
        `externalSecrets.notifications.${path} holds "${ref}", which is not an entity reference such as "group:default/platform-team": ${
          (error as Error).message
        }`,
      );
    }
  });
}

/**
 * Reads `externalSecrets.notifications`. Throws `InputError` naming the key when a value is
 * out of range, so a wrong setting is refused at start-up rather than silently applied.
 */
export function readNotificationSettings(root: Config): NotificationSettings {
  const config = root.getOptionalConfig('externalSecrets.notifications');
  const outage = config?.getOptionalConfig('clusterOutage');
  const rotation = config?.getOptionalConfig('pendingRotation');
  const severities =
    config?.getOptionalStringArray('severities') ?? NOTIFICATION_SEVERITIES;
  for (const severity of severities) {
    if (!NOTIFICATION_SEVERITIES.includes(severity as NotificationSeverity)) {
      throw new InputError(
        `externalSecrets.notifications.severities holds "${severity}"; allowed are ${NOTIFICATION_SEVERITIES.join(
          ', ',
        )}`,
      );
    }
  }
  const fraction = outage?.getOptionalNumber('fraction') ?? 0.5;
  if (!(fraction > 0 && fraction <= 1)) {
    throw new InputError(
      `externalSecrets.notifications.clusterOutage.fraction must be more than 0 and at most 1, got ${fraction}`,
    );
  }
  const minExternalSecrets =
    outage?.getOptionalNumber('minExternalSecrets') ?? 5;
  if (!Number.isInteger(minExternalSecrets) || minExternalSecrets < 2) {
    throw new InputError(
      `externalSecrets.notifications.clusterOutage.minExternalSecrets must be a whole number of at least 2, got ${minExternalSecrets}`,
    );
  }
  const maxPerCheck = config?.getOptionalNumber('maxPerCheck') ?? 50;
  if (!Number.isInteger(maxPerCheck) || maxPerCheck < 1) {
    throw new InputError(
      `externalSecrets.notifications.maxPerCheck must be a whole number of at least 1, got ${maxPerCheck}`,
    );
  }
  return {
    enabled: config?.getOptionalBoolean('enabled') ?? true,
    gracePeriodMs: config?.has('gracePeriod')
      ? duration(config, 'gracePeriod', 'gracePeriod')
      : undefined,
    checkIntervalMs: config?.has('checkInterval')
      ? duration(config, 'checkInterval', 'checkInterval')
      : DEFAULT_CHECK_INTERVAL_MS,
    recipients: config
      ? entityRefs(config, 'recipients', 'recipients')
      : undefined,
    severities: [...severities] as NotificationSeverity[],
    clusterOutage: {
      recipients:
        (outage &&
          entityRefs(outage, 'recipients', 'clusterOutage.recipients')) ??
        [],
      gracePeriodMs: outage?.has('gracePeriod')
        ? duration(outage, 'gracePeriod', 'clusterOutage.gracePeriod')
        : DEFAULT_OUTAGE_GRACE_MS,
      minExternalSecrets,
      fraction,
    },
    maxPerCheck,
    pendingRotation: {
      enabled: rotation?.getOptionalBoolean('enabled') ?? true,
      afterMs: rotation?.has('after')
        ? duration(rotation, 'after', 'pendingRotation.after')
        : DEFAULT_PENDING_ROTATION_AFTER_MS,
    },
  };
}
