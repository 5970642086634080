import type {
  AuthService,
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  EntityExternalSecretsStatus,
  ExternalSecretStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ExternalSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { annotateWithHistory } from './annotateWithHistory';
import { ClaimingEntityIndex } from './ClaimingEntityIndex';
import type { HistorySettings } from './historyConfig';
import { TransitionRecorder } from './TransitionRecorder';
import { TransitionStore } from './TransitionStore';

/** Scheduler task id of the retention; one instance runs it at a time across replicas. */
export const RETENTION_TASK_ID = 'external-secrets-history-retention';

export interface SyncHistoryOptions {
  settings: HistorySettings;
  database: DatabaseService;
  scheduler: SchedulerService;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  clusters: ClusterCache[];
  /** the claiming-entity index to share (the fleet view and notifier use it too) */
  entities?: ClaimingEntityIndex;
  statusOf: (
    cluster: ClusterCache,
    object: ExternalSecretObject,
  ) => Promise<ExternalSecretStatus>;
}

/**
 * The sync history wired together: the store (plugin database, migrations), the recorder that
 * follows the caches, the claiming-entity index and the retention task on the scheduler.
 */
export class SyncHistory {
  readonly store: TransitionStore;
  readonly recorder: TransitionRecorder;
  private readonly entities: ClaimingEntityIndex;
  private readonly settings: HistorySettings;

  private constructor(parts: {
    store: TransitionStore;
    recorder: TransitionRecorder;
    entities: ClaimingEntityIndex;
    settings: HistorySettings;
  }) {
    this.store = parts.store;
    this.recorder = parts.recorder;
    this.entities = parts.entities;
    this.settings = parts.settings;
  }

  static async create(options: SyncHistoryOptions): Promise<SyncHistory> {
    const { settings, logger } = options;
    const store = await TransitionStore.create({ database: options.database });
    const entities =
      options.entities ??
      new ClaimingEntityIndex({
        catalog: options.catalog,
        auth: options.auth,
        logger,
      });
    const recorder = new TransitionRecorder({
      clusters: options.clusters,
      store,
      logger,
      statusOf: options.statusOf,
      entityRefOf: object => entities.entityRefOf(object),
      entitiesReady: () => entities.ready(),
    });
    await options.scheduler.scheduleTask({
      id: RETENTION_TASK_ID,
      ...settings.schedule,
      fn: async () => {
        const deleted = await store.prune({
          maxAgeMs: settings.maxAgeMs,
          maxPerExternalSecret: settings.maxPerExternalSecret,
        });
        if (deleted > 0) {
          logger.info(
            `Sync history retention deleted ${deleted} transition(s) past the configured age or count`,
          );
        }
      },
    });
    return new SyncHistory({ store, recorder, entities, settings });
  }

  /** Starts the catalog index and the recorder (call once the caches start). */
  start(): void {
    void this.entities.start();
    this.recorder.start();
  }

  async stop(): Promise<void> {
    this.entities.stop();
    await this.recorder.stop();
  }

  annotate(
    status: EntityExternalSecretsStatus,
  ): Promise<EntityExternalSecretsStatus> {
    return annotateWithHistory(status, {
      store: this.store,
      limit: this.settings.transitionsInStatus,
    });
  }
}
