import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  EXTERNAL_SECRETS_PLUGIN_ID,
  externalSecretsPermissions,
} from '@gitops-secrets/plugin-external-secrets-common';
import { registerGetEntityStatusAction } from './actions/getEntityStatusAction';
import { readHistorySettings } from './history/historyConfig';
import { SyncHistory } from './history/SyncHistory';
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
        actionsRegistry,
      }) {
        permissionsRegistry.addPermissions(externalSecretsPermissions);

        let history: SyncHistory | undefined;
        const backend = createStatusBackend({
          config,
          logger,
          signals,
          annotate: current =>
            history ? history.annotate(current) : Promise.resolve(current),
        });
        const { clusters, statusService, signalPublisher } = backend;
        const historySettings = readHistorySettings(config);
        if (historySettings.enabled) {
          history = await SyncHistory.create({
            settings: historySettings,
            database,
            scheduler,
            catalog,
            auth,
            logger,
            clusters,
            statusOf: (cluster, object) =>
              statusService.statusOf(cluster, object),
          });
        } else {
          logger.info(
            'externalSecrets.history.enabled is false: no sync history is recorded or shown',
          );
        }

        // Caches fill in the background; requests meanwhile report the clusters as not synced.
        lifecycle.addStartupHook(() => {
          backend.start();
          history?.start();
        });
        lifecycle.addShutdownHook(async () => {
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
        httpRouter.use(
          await createRouter({
            httpAuth,
            permissions,
            catalog,
            auditor,
            logger,
            statusService,
            signalPublisher,
            allowServiceSync:
              config.getOptionalBoolean(
                'externalSecrets.syncNow.allowServicePrincipals',
              ) ?? false,
          }),
        );
      },
    });
  },
});
