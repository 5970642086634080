import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** `externalSecrets.history`, read once at start-up. */
export interface HistorySettings {
  enabled: boolean;
  maxAgeMs: number;
  maxPerExternalSecret: number;
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** transitions per row in the status API and the MCP action */
  transitionsInStatus: number;
}

const DEFAULT_MAX_AGE_MS = 90 * 86_400_000;
const DEFAULT_MAX_PER_EXTERNAL_SECRET = 100;
const DEFAULT_TRANSITIONS_IN_STATUS = 10;
const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 1 },
  timeout: { minutes: 10 },
  initialDelay: { minutes: 1 },
};

function integer(
  config: Config | undefined,
  key: string,
  fallback: number,
  min: number,
  max: number,
  path = key,
): number {
  const value = config?.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `externalSecrets.history.${path} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `externalSecrets.history`. Throws with the key and the expected form when a value is
 * out of range, so a wrong retention is refused at start-up rather than silently applied.
 */
export function readHistorySettings(config: Config): HistorySettings {
  const history = config.getOptionalConfig('externalSecrets.history');
  const retention = history?.getOptionalConfig('retention');
  let maxAgeMs = DEFAULT_MAX_AGE_MS;
  if (retention?.has('maxAge')) {
    try {
      maxAgeMs = durationToMilliseconds(
        readDurationFromConfig(retention, { key: 'maxAge' }),
      );
    } catch (error) {
      throw new Error(
        `externalSecrets.history.retention.maxAge must be a duration such as "90d", "P30D" or { days: 30 }: ${
          (error as Error).message
        }`,
      );
    }
    if (!(maxAgeMs >= 60_000)) {
      throw new Error(
        'externalSecrets.history.retention.maxAge must be at least one minute',
      );
    }
  }
  return {
    enabled: history?.getOptionalBoolean('enabled') ?? true,
    maxAgeMs,
    maxPerExternalSecret: integer(
      retention,
      'maxPerExternalSecret',
      DEFAULT_MAX_PER_EXTERNAL_SECRET,
      1,
      100_000,
      'retention.maxPerExternalSecret',
    ),
    schedule: retention?.has('schedule')
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          retention.getConfig('schedule'),
        )
      : DEFAULT_SCHEDULE,
    transitionsInStatus: integer(
      history,
      'transitionsInStatus',
      DEFAULT_TRANSITIONS_IN_STATUS,
      1,
      100,
    ),
  };
}
