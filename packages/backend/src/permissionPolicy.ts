import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { ExternalSecretsActionsPermissionPolicy } from '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets';

/**
 * The app's permission policy: the platform team may run the gitops-secrets scaffolder actions
 * with any input; everyone else only with their default inputs. Everything else is allowed, as
 * the allow-all policy it replaces did.
 */
export const permissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'gitops-secrets-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        userInfo: coreServices.userInfo,
        config: coreServices.rootConfig,
      },
      async init({ policy, userInfo, config }) {
        policy.setPolicy(
          new ExternalSecretsActionsPermissionPolicy({
            userInfo,
            privileged: ['group:default/platform-team'],
            kvMount:
              config.getOptionalString('externalSecrets.vault.kvMount') ??
              'secret',
          }),
        );
      },
    });
  },
});
