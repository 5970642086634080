import {
  coreServices,
  createBackendModule,
  type UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  externalSecretsFleetReadPermission,
  externalSecretsWorkloadRestartPermission,
} from '@gitops-secrets/plugin-external-secrets-common';
import { ExternalSecretsActionsPermissionPolicy } from '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets';

/** The groups (or users) that run Vault and ESO for everyone. */
export const PLATFORM_PRINCIPALS = ['group:default/platform-team'];

/**
 * The app's policy: `external-secrets.fleet.read` (the "Secrets health" page, which lists
 * every ExternalSecret and store of every cluster) only for the platform team — a developer
 * sees their own services' secrets on the entity's tab instead; the gitops-secrets scaffolder
 * actions with any input for the platform team and with their default inputs for everyone
 * else; `external-secrets.workload.restart` (rolling a service's Pods) denied unless the
 * user or one of their groups is listed in `permission.gitopsSecrets.workloadRestart`; every
 * other permission allowed, as the allow-all policy this replaces did.
 */
export class GitopsSecretsPermissionPolicy implements PermissionPolicy {
  private readonly actions: ExternalSecretsActionsPermissionPolicy;

  constructor(
    private readonly options: {
      userInfo: UserInfoService;
      platform: string[];
      kvMount?: string;
      /** who may restart workloads (`permission.gitopsSecrets.workloadRestart`); none by default */
      workloadRestart?: string[];
    },
  ) {
    this.actions = new ExternalSecretsActionsPermissionPolicy({
      userInfo: options.userInfo,
      privileged: options.platform,
      kvMount: options.kvMount,
    });
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (isPermission(request.permission, externalSecretsFleetReadPermission)) {
      return {
        result: (await this.isPlatform(user))
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    if (
      isPermission(request.permission, externalSecretsWorkloadRestartPermission)
    ) {
      return {
        result: (await this.isAmong(user, this.options.workloadRestart ?? []))
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    return this.actions.handle(request, user);
  }

  private async isPlatform(user?: PolicyQueryUser): Promise<boolean> {
    return this.isAmong(user, this.options.platform);
  }

  private async isAmong(
    user: PolicyQueryUser | undefined,
    principals: string[],
  ): Promise<boolean> {
    if (!user || principals.length === 0) return false;
    const info = await this.options.userInfo.getUserInfo(user.credentials);
    const refs = new Set(
      [info.userEntityRef, ...info.ownershipEntityRefs].map(ref =>
        ref.toLowerCase(),
      ),
    );
    return principals.some(ref => refs.has(ref.toLowerCase()));
  }
}

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
          new GitopsSecretsPermissionPolicy({
            userInfo,
            platform: PLATFORM_PRINCIPALS,
            kvMount:
              config.getOptionalString('externalSecrets.vault.kvMount') ??
              'secret',
            workloadRestart:
              config.getOptionalStringArray(
                'permission.gitopsSecrets.workloadRestart',
              ) ?? [],
          }),
        );
      },
    });
  },
});
