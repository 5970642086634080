import type { UserInfoService } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  externalSecretsFleetReadPermission,
  externalSecretsStatusReadPermission,
  externalSecretsWorkloadRestartPermission,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  GitopsSecretsPermissionPolicy,
  PLATFORM_PRINCIPALS,
} from './permissionPolicy';

const memberships: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice', 'group:default/platform-team'],
  'user:default/bob': ['user:default/bob', 'group:default/payments-team'],
};

const userInfo: UserInfoService = {
  async getUserInfo(credentials) {
    const ref = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return { userEntityRef: ref, ownershipEntityRefs: memberships[ref] ?? [] };
  },
};

function asUser(ref: string) {
  return {
    credentials: mockCredentials.user(ref),
    info: { userEntityRef: ref, ownershipEntityRefs: memberships[ref] ?? [] },
  };
}

describe('GitopsSecretsPermissionPolicy', () => {
  const policy = new GitopsSecretsPermissionPolicy({
    userInfo,
    platform: PLATFORM_PRINCIPALS,
  });

  it('gives the fleet view to the platform team only', async () => {
    const fleet = { permission: externalSecretsFleetReadPermission };
    expect(await policy.handle(fleet, asUser('user:default/alice'))).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(await policy.handle(fleet, asUser('user:default/bob'))).toEqual({
      result: AuthorizeResult.DENY,
    });
    expect(await policy.handle(fleet)).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('denies workload restarts unless configured, then only to the listed principals', async () => {
    const restart = { permission: externalSecretsWorkloadRestartPermission };
    expect(await policy.handle(restart, asUser('user:default/alice'))).toEqual({
      result: AuthorizeResult.DENY,
    });
    const configured = new GitopsSecretsPermissionPolicy({
      userInfo,
      platform: PLATFORM_PRINCIPALS,
      workloadRestart: ['group:default/platform-team'],
    });
    expect(
      await configured.handle(restart, asUser('user:default/alice')),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await configured.handle(restart, asUser('user:default/bob')),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(await configured.handle(restart)).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('leaves the entity tab and unrelated permissions to everyone', async () => {
    for (const permission of [
      externalSecretsStatusReadPermission,
      createPermission({ name: 'catalog.entity.read', attributes: {} }),
    ]) {
      expect(
        await policy.handle({ permission }, asUser('user:default/bob')),
      ).toEqual({ result: AuthorizeResult.ALLOW });
    }
  });
});
