import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createVaultClientProvider,
  readVaultActionSettings,
} from './actions/vaultActionSettings';
import { createVaultKubernetesRoleCreateAction } from './actions/vaultKubernetesRoleCreate';
import { createVaultKvSeedAction } from './actions/vaultKvSeed';
import { createVaultPolicyCreateAction } from './actions/vaultPolicyCreate';
import { createManifestsCreateAction } from './actions/manifestsCreate';
import { readKubernetesAuthSettings } from './actions/kubernetesAuthSettings';
import { createVaultKubernetesAuthConfigureAction } from './actions/vaultKubernetesAuthConfigure';
import { createClusterManifestsCreateAction } from './actions/clusterManifestsCreate';
import { readClusterManifestsSettings } from './actions/clusterManifestsConfig';

/**
 * Scaffolder module registering the gitops-secrets actions.
 *
 * @public
 */
export const scaffolderModuleExternalSecrets = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'external-secrets',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ scaffolder, config, logger }) {
        const vault = createVaultClientProvider(config, logger);
        const settings = readVaultActionSettings(config);
        scaffolder.addActions(
          createVaultPolicyCreateAction({ vault, settings }),
          createVaultKubernetesRoleCreateAction({ vault, settings }),
          createVaultKvSeedAction({ vault, settings }),
          createManifestsCreateAction({ config }),
          createVaultKubernetesAuthConfigureAction({
            vault,
            settings: readKubernetesAuthSettings(config),
          }),
          createClusterManifestsCreateAction({
            settings: readClusterManifestsSettings(config),
          }),
        );
      },
    });
  },
});
