import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { parseGoDuration } from '@gitops-secrets/plugin-external-secrets-common';
import type { ClusterCacheLimits } from '@gitops-secrets/plugin-external-secrets-node';
import {
  DEFAULT_VAULT_FACTS_LIMITS,
  VaultFactsLimits,
} from './VaultFactsProvider';

/** The validated `externalSecrets.status` settings: budgets, timeouts and bounds. */
export interface StatusSettings {
  /** time budget of one status answer */
  budgetMs: number;
  /** timeout of one Vault read for diagnosis (never retried) */
  vaultTimeoutMs: number;
  vault: VaultFactsLimits;
  kubernetes: ClusterCacheLimits;
  /** list+watch Pods (reduced to their Secret references) for the consumers view */
  watchPods: boolean;
  /** how long a cluster's Vault-auth health is reused */
  clusterHealthTtlMs: number;
}

const KEY = 'externalSecrets.status';

function duration(
  config: Config | undefined,
  key: string,
  fallbackMs: number,
  range: { min: number; max: number },
): number {
  const raw = config?.getOptional(key);
  if (raw === undefined) return fallbackMs;
  const ms = typeof raw === 'number' ? raw : parseGoDuration(String(raw));
  if (
    ms === undefined ||
    !Number.isFinite(ms) ||
    ms < range.min ||
    ms > range.max
  ) {
    throw new InputError(
      `Invalid ${KEY}.${key}: give milliseconds or a duration such as "5s", from ${range.min} ms to ${range.max} ms`,
    );
  }
  return ms;
}

function count(
  config: Config | undefined,
  key: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const value = config?.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InputError(
      `Invalid ${KEY}.${key}: must be a whole number from ${range.min} to ${range.max}`,
    );
  }
  return value;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Reads and validates `externalSecrets.status`; every setting has a default. */
export function readStatusSettings(rootConfig: Config): StatusSettings {
  const config = rootConfig.getOptionalConfig(KEY);
  const d = DEFAULT_VAULT_FACTS_LIMITS;
  return {
    budgetMs: duration(config, 'budget', SECOND, { min: 50, max: MINUTE }),
    // Longer than the budget on purpose: no answer waits for it, and a Vault answering in 5 s
    // still fills the cache in the background instead of timing out every read.
    vaultTimeoutMs: duration(config, 'vault.timeout', 10 * SECOND, {
      min: 100,
      max: MINUTE,
    }),
    vault: {
      ttlMs: duration(config, 'vault.cacheTtl', d.ttlMs, {
        min: SECOND,
        max: 60 * MINUTE,
      }),
      failureTtlMs: duration(config, 'vault.failureTtl', d.failureTtlMs, {
        min: 0,
        max: 10 * MINUTE,
      }),
      maxEntries: count(config, 'vault.maxCachedReads', d.maxEntries, {
        min: 100,
        max: 1_000_000,
      }),
      maxReadsPerSecond: count(
        config,
        'vault.maxReadsPerSecond',
        d.maxReadsPerSecond,
        { min: 1, max: 10_000 },
      ),
      metadataMaxStaleMs: duration(
        config,
        'vault.metadataMaxStale',
        d.metadataMaxStaleMs,
        { min: 0, max: 24 * 60 * MINUTE },
      ),
      breakerFailureThreshold: count(
        config,
        'vault.breaker.failures',
        d.breakerFailureThreshold,
        { min: 1, max: 100 },
      ),
      breakerOpenMs: duration(
        config,
        'vault.breaker.openFor',
        d.breakerOpenMs,
        {
          min: 100,
          max: 60 * MINUTE,
        },
      ),
      breakerMaxOpenMs: duration(
        config,
        'vault.breaker.maxOpenFor',
        d.breakerMaxOpenMs,
        { min: 100, max: 60 * MINUTE },
      ),
    },
    kubernetes: {
      requestTimeoutMs: duration(
        config,
        'kubernetes.requestTimeout',
        30 * SECOND,
        { min: SECOND, max: 10 * MINUTE },
      ),
      watchTimeoutMs: duration(config, 'kubernetes.watchTimeout', 5 * MINUTE, {
        min: 10 * SECOND,
        max: 60 * MINUTE,
      }),
      silentWatchMs: duration(config, 'kubernetes.silentWatch', 3 * MINUTE, {
        min: 10 * SECOND,
        max: 60 * MINUTE,
      }),
      pageSize: count(config, 'kubernetes.pageSize', 500, {
        min: 10,
        max: 10_000,
      }),
      maxEventsPerObject: count(config, 'kubernetes.maxEventsPerObject', 10, {
        min: 1,
        max: 1000,
      }),
      // not configurable: enough to show, small enough to keep for every object
      maxStatusEntries: 100,
    },
    watchPods: config?.getOptionalBoolean('kubernetes.watchPods') ?? true,
    clusterHealthTtlMs: duration(
      config,
      'clusterHealth.cacheTtl',
      10 * SECOND,
      {
        min: 0,
        max: 10 * MINUTE,
      },
    ),
  };
}
