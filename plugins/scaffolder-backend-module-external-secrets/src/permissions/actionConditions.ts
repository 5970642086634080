import type { UserInfoService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
  PolicyDecision,
  isPermission,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createScaffolderActionConditionalDecision,
  scaffolderActionConditions as rules,
} from '@backstage/plugin-scaffolder-backend/alpha';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';

type ActionCriteria = PermissionCriteria<
  PermissionCondition<'scaffolder-action'>
>;
type NonEmpty<T> = [T, ...T[]];

function nonEmpty<T>(items: T[]): NonEmpty<T> {
  if (items.length === 0) {
    throw new Error('a condition list must not be empty');
  }
  return items as NonEmpty<T>;
}

/** Inputs that widen what an action does beyond what the service name derives. */
const WIDENING_INPUTS: Record<string, string[]> = {
  'vault:policy:create': [
    'entityRef',
    'kvVersion',
    'pathPrefix',
    'policyName',
    'capabilities.0',
  ],
  'vault:kubernetes-role:create': [
    'entityRef',
    'roleName',
    'policies.0',
    'boundServiceAccountNames.0',
    'boundServiceAccountNamespaces.0',
    'audience',
    'ttl',
    'authMount',
  ],
  'vault:kv:seed': ['kvVersion'],
  'external-secrets:manifests:create': [
    'targetPath',
    'store.name',
    'store.server',
    'store.role',
    'store.authMount',
    'store.caBundle',
    'store.caProvider.name',
    'store.caProvider.namespace',
    'store.serviceAccount.name',
    'store.serviceAccount.namespace',
    'store.audiences.0',
    'secrets.0.vaultKey',
  ],
};

/** Actions whose `kvMount` input (or `store.kvMount`) must stay the configured mount. */
const KV_MOUNT_INPUTS: Record<string, string> = {
  'vault:policy:create': 'kvMount',
  'vault:kv:seed': 'kvMount',
  'external-secrets:manifests:create': 'store.kvMount',
};

const OVERWRITE_ACTIONS = [
  'vault:policy:create',
  'vault:kubernetes-role:create',
  'external-secrets:manifests:create',
];

function given(key: string): ActionCriteria {
  // Present as a string or a number: lodash paths such as `policies.0` reach list items.
  return {
    anyOf: [rules.hasStringProperty({ key }), rules.hasNumberProperty({ key })],
  };
}

/**
 * The `scaffolder.action.execute` conditions under which the gitops-secrets actions run only
 * with their default inputs: everything that widens a policy, role, seed or store (another
 * path, policy, account, audience, mount, server, `overwrite: true`) is refused, and the
 * scaffolder fails the step with `Unauthorized action`. Other actions are not affected.
 *
 * @public
 */
export function defaultInputsOnlyConditions(
  options: { kvMount?: string } = {},
): PermissionCriteria<PermissionCondition<'scaffolder-action'>> {
  const kvMount = options.kvMount ?? 'secret';
  const widening: ActionCriteria[] = Object.entries(WIDENING_INPUTS).map(
    ([actionId, keys]) => {
      const mountKey = KV_MOUNT_INPUTS[actionId];
      const inputs: ActionCriteria[] = keys.map(given);
      if (mountKey) {
        inputs.push({
          allOf: [
            rules.hasStringProperty({ key: mountKey }),
            { not: rules.hasStringProperty({ key: mountKey, value: kvMount }) },
          ],
        });
      }
      if (OVERWRITE_ACTIONS.includes(actionId)) {
        inputs.push(
          rules.hasBooleanProperty({ key: 'overwrite', value: true }),
        );
      }
      return {
        allOf: [rules.hasActionId({ actionId }), { anyOf: nonEmpty(inputs) }],
      };
    },
  );
  return { not: { anyOf: nonEmpty(widening) } };
}

/**
 * A permission policy for an app that runs these actions: members of the privileged groups
 * (or the privileged users) may run every action with any input; everyone else runs the
 * gitops-secrets actions only with their default inputs ({@link defaultInputsOnlyConditions}).
 * Every other permission is allowed, as the allow-all policy would; compose the conditions
 * into your own policy instead when you have one.
 *
 * @public
 */
export class ExternalSecretsActionsPermissionPolicy
  implements PermissionPolicy
{
  constructor(
    private readonly options: {
      userInfo: UserInfoService;
      /** Group or user entity refs allowed to set any input, e.g. `group:default/platform-team`. */
      privileged: string[];
      /** The configured KV mount (`externalSecrets.vault.kvMount`); default `secret`. */
      kvMount?: string;
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!isPermission(request.permission, actionExecutePermission)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (user) {
      const info = await this.options.userInfo.getUserInfo(user.credentials);
      const refs = new Set(
        [info.userEntityRef, ...info.ownershipEntityRefs].map(ref =>
          ref.toLowerCase(),
        ),
      );
      if (this.options.privileged.some(ref => refs.has(ref.toLowerCase()))) {
        return { result: AuthorizeResult.ALLOW };
      }
    }
    return createScaffolderActionConditionalDecision(
      request.permission,
      defaultInputsOnlyConditions({ kvMount: this.options.kvMount }),
    );
  }
}
