import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  ClusterCache,
  readClusterConfigs,
  readEsoServiceAccount,
  readVaultSettings,
  VaultClient,
} from '@gitops-secrets/plugin-external-secrets-node';
import { ClusterAuthHealthService } from './clusterHealth/ClusterAuthHealthService';
import { EntitySignalPublisher } from './EntitySignalPublisher';
import {
  EntityStatusService,
  EntityStatusServiceOptions,
} from './EntityStatusService';
import { readStatusSettings, type StatusSettings } from './statusConfig';
import { VaultFactsInvalidator } from './VaultFactsInvalidator';
import { VaultFactsProvider } from './VaultFactsProvider';

export interface StatusBackendOptions {
  /** root config: `externalSecrets.clusters`, `.vault` and `.status` */
  config: Config;
  logger: LoggerService;
  signals: SignalsService;
  /** what the caches do not hold (the sync history), added to every answer */
  annotate?: EntityStatusServiceOptions['annotate'];
}

/** The parts of the status backend, built from config, that the plugin starts and stops. */
export interface StatusBackend {
  /** the validated `externalSecrets.status` settings */
  settings: StatusSettings;
  clusters: ClusterCache[];
  /** undefined when `externalSecrets.vault` is absent or unusable */
  vault?: VaultFactsProvider;
  statusService: EntityStatusService;
  signalPublisher: EntitySignalPublisher;
  /** each cluster's Vault Kubernetes auth health */
  clusterHealth: ClusterAuthHealthService;
  /** starts every cluster's list+watch in the background */
  start(): void;
  stop(): Promise<void>;
}

/**
 * The status backend as the plugin runs it: one cache per configured cluster, Vault facts for
 * diagnosis through a client of its own (no retries, the status timeout), the facts invalidator,
 * the entity signals and the status service with its budget. Config is read and validated here,
 * once; an invalid `externalSecrets.status` or cluster entry throws `InputError`.
 */
export function createStatusBackend(
  options: StatusBackendOptions,
): StatusBackend {
  const { config, logger, signals } = options;
  const status = readStatusSettings(config);
  const clusters = readClusterConfigs(config).map(cluster =>
    ClusterCache.create(cluster, {
      logger,
      limits: status.kubernetes,
      watchPods: status.watchPods,
    }),
  );
  if (clusters.length === 0) {
    logger.info(
      'No externalSecrets.clusters configured; the status API answers with no ExternalSecrets',
    );
  }
  let vaultReader: VaultClient | undefined;
  const vault = createVaultFacts();
  function createVaultFacts() {
    // Diagnosis is optional: without working Vault settings the status still stands.
    try {
      const settings = readVaultSettings(config);
      if (!settings) {
        logger.info(
          'externalSecrets.vault is not configured; diagnosis uses Kubernetes objects and events only',
        );
        return undefined;
      }
      // Diagnosis reads are never retried and have their own, short timeout: a request
      // waits at most its budget, and a read that misses it fills the cache later.
      const reader = (vaultReader = new VaultClient(
        {
          ...settings,
          maxRetries: 0,
          timeoutMs: Math.min(settings.timeoutMs, status.vaultTimeoutMs),
        },
        { logger },
      ));
      return new VaultFactsProvider({
        reader,
        baseUrl: settings.baseUrl,
        logger,
        slowMs: status.budgetMs,
        ...status.vault,
      });
    } catch (error) {
      logger.warn(
        `Vault-based diagnosis is off: externalSecrets.vault cannot be used (${
          (error as Error).message
        })`,
      );
      return undefined;
    }
  }

  const invalidator = vault
    ? new VaultFactsInvalidator({ clusters, facts: vault })
    : undefined;
  const signalPublisher = new EntitySignalPublisher({
    signals,
    clusters,
    logger,
  });
  const statusService = new EntityStatusService({
    clusters,
    vault,
    budgetMs: status.budgetMs,
    onLateFacts: entityRef => signalPublisher.notify(entityRef),
    logger,
    annotate: options.annotate,
  });
  const clusterHealth = new ClusterAuthHealthService({
    clusters,
    vault: vaultReader,
    logger,
    // ESO's account as the cluster manifests bind it: the account the cluster card asks about
    esoServiceAccount: readEsoServiceAccount(config),
    timeoutMs: status.vaultTimeoutMs,
    ttlMs: status.clusterHealthTtlMs,
  });
  return {
    settings: status,
    clusters,
    vault,
    statusService,
    signalPublisher,
    clusterHealth,
    start: () => clusters.forEach(cluster => cluster.start()),
    stop: async () => {
      signalPublisher.stop();
      invalidator?.stop();
      await Promise.all(clusters.map(cluster => cluster.stop()));
    },
  };
}
