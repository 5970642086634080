import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  EXTERNAL_SECRETS_PLUGIN_ID,
  externalSecretsPermissions,
} from '@gitops-secrets/plugin-external-secrets-common';
import { registerGetEntityStatusAction } from './actions/getEntityStatusAction';
import { EntityVisibility } from './fleet/EntityVisibility';
import { FleetIndex } from './fleet/FleetIndex';
import { createFleetRouter } from './fleet/fleetRouter';
import { FleetService } from './fleet/FleetService';
import { ClaimingEntityIndex } from './history/ClaimingEntityIndex';
import { readHistorySettings } from './history/historyConfig';
import { SyncHistory } from './history/SyncHistory';
import { NotificationLedger } from './notifications/NotificationLedger';
import { readNotificationSettings } from './notifications/notificationsConfig';
import { SecretsNotifier } from './notifications/SecretsNotifier';
import { EntityStatusService } from './service/EntityStatusService';
import { createRouter } from './service/router';
import { createStatusBackend } from './service/statusBackend';

/**
 * The external-secrets backend plugin: live ExternalSecret status per catalog entity, with
 * diagnosis, signals, "sync now" and an MCP action.
 *
 * @public
 */
export const externalSecretsPlugin = createBackendPlugin({
  pluginId: EXTERNAL_SECRETS_PLUGIN_ID,
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        auth: coreServices.auth,
        lifecycle: coreServices.lifecycle,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        notifications: notificationService,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init({
        config,
        logger,
        database,
        scheduler,
        auth,
        lifecycle,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        catalog,
        signals,
        notifications,
        actionsRegistry,
      }) {
        permissionsRegistry.addPermissions(externalSecretsPermissions);

        // Which entity claims each ExternalSecret: read from the catalog in the background,
        // shared by the history, the fleet view and the notifier.
        const claims = new ClaimingEntityIndex({ catalog, auth, logger });
        const historySettings = readHistorySettings(config);
        const notificationSettings = readNotificationSettings(config);
        let history: SyncHistory | undefined;
        const backend = createStatusBackend({
          config,
          logger,
          signals,
          annotate: current =>
            history ? history.annotate(current) : Promise.resolve(current),
        });
        const { clusters, statusService, signalPublisher, settings } = backend;
        if (historySettings.enabled) {
          history = await SyncHistory.create({
            settings: historySettings,
            database,
            scheduler,
            catalog,
            auth,
            logger,
            clusters,
            entities: claims,
            statusOf: (cluster, object) =>
              statusService.statusOf(cluster, object),
          });
        } else {
          logger.info(
            'externalSecrets.history.enabled is false: no sync history is recorded or shown',
          );
        }

        // Owners hear of broken secrets through the notifications service; the plugin
        // database decides which replica sends each notification.
        let notifier: SecretsNotifier | undefined;
        if (notificationSettings.enabled) {
          notifier = new SecretsNotifier({
            settings: notificationSettings,
            clusters,
            ledger: await NotificationLedger.create({ database }),
            notifications,
            entities: claims,
            statusOf: (cluster, object) =>
              statusService.statusOf(cluster, object),
            logger,
          });
        } else {
          logger.info(
            'externalSecrets.notifications.enabled is false: owners are not notified when their secrets break',
          );
        }

        // The fleet view's rows carry diagnosis from Kubernetes objects and Events only: a
        // Vault read per failing row would cost Vault thousands of reads at fleet scale.
        const fleetRows = new EntityStatusService({
          clusters,
          budgetMs: settings.budgetMs,
          logger,
        });
        const fleetIndex = new FleetIndex({
          clusters,
          statusOf: (cluster, object) => fleetRows.statusOf(cluster, object),
          logger,
        });
        const fleet = new FleetService({
          index: fleetIndex,
          claims,
          clusters,
        });

        // Caches fill in the background; requests meanwhile report the clusters as not synced.
        lifecycle.addStartupHook(() => {
          backend.start();
          void claims.start();
          history?.start();
          fleetIndex.start();
          notifier?.start();
        });
        lifecycle.addShutdownHook(async () => {
          claims.stop();
          await notifier?.stop();
          await fleetIndex.stop();
          await history?.stop();
          await backend.stop();
        });

        registerGetEntityStatusAction({
          actionsRegistry,
          catalog,
          permissions,
          statusService,
          logger,
        });
        const workloadRestartEnabled =
          config.getOptionalBoolean(
            'externalSecrets.workloadRestart.enabled',
          ) ?? false;
        if (workloadRestartEnabled) {
          logger.info(
            "externalSecrets.workloadRestart.enabled: users holding external-secrets.workload.restart may restart workloads that use their entities' Secrets; the cluster account needs deploy/clusterrole-workload-restart.yaml",
          );
        }
        httpRouter.use(
          await createRouter({
            workloadRestartEnabled,
            httpAuth,
            permissions,
            catalog,
            auditor,
            logger,
            statusService,
            signalPublisher,
            clusterHealth: backend.clusterHealth,
            allowServiceSync:
              config.getOptionalBoolean(
                'externalSecrets.syncNow.allowServicePrincipals',
              ) ?? false,
            fleetRouter: createFleetRouter({
              httpAuth,
              permissions,
              fleet,
              visibility: new EntityVisibility({ catalog }),
              logger,
            }),
          }),
        );
      },
    });
  },
});
