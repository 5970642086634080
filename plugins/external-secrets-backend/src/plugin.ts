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
import {
  ClusterCache,
  readClusterConfigs,
  readVaultSettings,
  VaultClient,
} from '@gitops-secrets/plugin-external-secrets-node';
import { registerGetEntityStatusAction } from './actions/getEntityStatusAction';
import { EntitySignalPublisher } from './service/EntitySignalPublisher';
import { EntityStatusService } from './service/EntityStatusService';
import { createRouter } from './service/router';
import { VaultFactsInvalidator } from './service/VaultFactsInvalidator';
import { VaultFactsProvider } from './service/VaultFactsProvider';

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

        const clusters = readClusterConfigs(config).map(cluster =>
          ClusterCache.create(cluster, { logger }),
        );
        if (clusters.length === 0) {
          logger.info(
            'No externalSecrets.clusters configured; the status API answers with no ExternalSecrets',
          );
        }
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
            return new VaultFactsProvider({
              reader: new VaultClient(settings, { logger }),
              baseUrl: settings.baseUrl,
              logger,
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
        const statusService = new EntityStatusService({ clusters, vault });
        const signalPublisher = new EntitySignalPublisher({
          signals,
          clusters,
          logger,
        });

        // Caches fill in the background; requests meanwhile report the clusters as not synced.
        lifecycle.addStartupHook(() =>
          clusters.forEach(cluster => cluster.start()),
        );
        lifecycle.addShutdownHook(async () => {
          signalPublisher.stop();
          invalidator?.stop();
          await Promise.all(clusters.map(cluster => cluster.stop()));
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
