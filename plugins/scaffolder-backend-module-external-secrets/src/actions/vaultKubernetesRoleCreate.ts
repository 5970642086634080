import { ConflictError, InputError, isError } from '@backstage/errors';
import {
  deriveNames,
  isServiceRoleName,
  isServicePolicyName,
  resolveServiceAccountRef,
} from '@gitops-secrets/plugin-external-secrets-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkpointKey } from './checkpointKey';
import { clusterAuthMount } from './clusterMounts';
import { differences } from './differences';
import {
  audienceInput,
  booleanInput,
  durationInput,
  nameInput,
  nameListInput,
} from './inputRules';
import {
  VaultActionSettings,
  VaultClientProvider,
} from './vaultActionSettings';
import { examples } from './vaultKubernetesRoleCreate.examples';
import {
  PolicyOwnership,
  foreignPolicyError,
  outsideRule,
  readPolicyOwnership,
  serviceScopeInput,
} from './serviceScope';
import {
  optionalClusterField,
  overwriteField,
  serviceNameField,
} from './inputFields';

/**
 * `vault:kubernetes-role:create`: writes a Kubernetes auth role that lets the service's own
 * service account (which ESO presents for the service's store) log in with the service's
 * policies.
 *
 * @public
 */
export function createVaultKubernetesRoleCreateAction(options: {
  vault: VaultClientProvider;
  settings: VaultActionSettings;
}) {
  const defaults = options.settings.kubernetesRole;
  return createTemplateAction({
    id: 'vault:kubernetes-role:create',
    description:
      "Writes a Vault Kubernetes auth role (auth/<mount>/role/<role>) bound to the service's own service account in its namespace (the account ESO presents for the service's store), with the service's own policies.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: serviceNameField(
          'Service name (DNS label); default for roleName and policies',
        ),
        namespace: z =>
          z
            .string()
            .optional()
            .describe(
              "The service's Kubernetes namespace, where its service account lives; default `name`",
            ),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'Catalog entity the role belongs to; default `component:default/<name>`',
            ),
        roleName: z =>
          z
            .string()
            .optional()
            .describe(
              'Role name: `external-secrets-<name>` (default) or `external-secrets-<name>.<suffix>`',
            ),
        policies: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Policies of the role; default [name]. Only policies vault:policy:create wrote for the same service',
            ),
        boundServiceAccountNames: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "Service accounts the role admits; default the service's own `external-secrets-<name>` (or the shared account config names). Others only from externalSecrets.vault.kubernetesRole.allowedServiceAccounts",
            ),
        boundServiceAccountNamespaces: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "Namespaces of those accounts; default the service's namespace (or the shared account's)",
            ),
        audience: z =>
          z
            .string()
            .optional()
            .describe(
              "Audience of ESO's token; default from config (`https://kubernetes.default.svc.cluster.local`); others only from kubernetesRole.allowedAudiences",
            ),
        ttl: z =>
          z
            .string()
            .optional()
            .describe('Token TTL as a duration; default `1h`'),
        authMount: z =>
          z
            .string()
            .optional()
            .describe(
              'Kubernetes auth mount path; default from config (`kubernetes`), or the mount of `cluster`; others only from kubernetesRole.allowedAuthMounts',
            ),
        cluster: optionalClusterField(
          "A cluster of externalSecrets.clusters: the role is written on that cluster's auth mount (its vaultAuthMount, default `kubernetes-<cluster>`)",
        ),
        overwrite: overwriteField(
          "Replace an existing, different role marked as this service's; default false",
        ),
      },
      output: {
        roleName: z => z.string().describe('The role name'),
        role: z =>
          z.record(z.unknown()).describe('The role payload written to Vault'),
        result: z =>
          z
            .enum(['created', 'unchanged', 'updated'])
            .describe('What happened (or would happen, in a dry run)'),
        authMount: z =>
          z.string().describe('The Kubernetes auth mount the role is on'),
        reviewerMode: z =>
          z
            .enum(['reviewer-jwt', 'client-jwt', 'unknown'])
            .describe(
              "How the mount reviews tokens (token_reviewer_jwt_set of its config): client-jwt means the store's account needs system:auth-delegator; unknown when the config cannot be read",
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const { name, entityRef } = serviceScopeInput(input);
      const derived = deriveNames(name);
      const namespace = nameInput(
        'kubernetesNamespace',
        input.namespace,
        'namespace',
        name,
      );
      const roleName = nameInput(
        'vaultRoleName',
        input.roleName,
        'roleName',
        derived.roleName,
      );
      if (!isServiceRoleName(name, roleName)) {
        throw outsideRule(
          'roleName',
          `"${roleName}" is not a role name of service "${name}"`,
          `a service's roles are named "${derived.roleName}" or "${derived.roleName}.<suffix>"`,
        );
      }
      const policies = nameListInput(
        'vaultPolicyName',
        input.policies,
        'policies',
        [name],
      );
      policies.forEach((policy, i) => {
        if (!isServicePolicyName(name, policy)) {
          throw outsideRule(
            `policies[${i}]`,
            `"${policy}" is not a policy of service "${name}"`,
            `a role may only carry the service's own policies ("${name}" or "${name}.<suffix>"), written by vault:policy:create`,
          );
        }
      });

      const derivedAccount = defaults.sharedServiceAccount ?? {
        name: derived.serviceAccountName,
        namespace,
      };
      const serviceAccounts = nameListInput(
        'serviceAccountName',
        input.boundServiceAccountNames,
        'boundServiceAccountNames',
        [derivedAccount.name],
      );
      const namespaces = nameListInput(
        'kubernetesNamespace',
        input.boundServiceAccountNamespaces,
        'boundServiceAccountNamespaces',
        [derivedAccount.namespace],
      );
      const allowedAccounts = [
        derivedAccount,
        ...defaults.allowedServiceAccounts.map(ref =>
          resolveServiceAccountRef(ref, name),
        ),
      ];
      // Vault binds every listed name in every listed namespace: each pair must be allowed.
      for (const account of serviceAccounts) {
        for (const ns of namespaces) {
          if (
            !allowedAccounts.some(a => a.name === account && a.namespace === ns)
          ) {
            throw outsideRule(
              'boundServiceAccountNames/boundServiceAccountNamespaces',
              `the role would admit service account "${ns}/${account}"; allowed for "${name}": ${allowedAccounts
                .map(a => `${a.namespace}/${a.name}`)
                .join(', ')}`,
              defaults.sharedServiceAccount
                ? 'a role is bound to the configured shared account'
                : "a role is bound to the service's own account in its namespace",
              'kubernetesRole.allowedServiceAccounts',
            );
          }
        }
      }
      const audience = audienceInput(input.audience, defaults.audience);
      if (!defaults.allowedAudiences.includes(audience)) {
        throw outsideRule(
          'audience',
          `"${audience.slice(
            0,
            80,
          )}" is not an allowed audience; allowed: ${defaults.allowedAudiences.join(
            ', ',
          )}`,
          'only configured audiences',
          'kubernetesRole.allowedAudiences',
        );
      }
      const ttlSeconds = durationInput(input.ttl, 'ttl', defaults.ttl);
      const askedMount =
        input.authMount === undefined
          ? undefined
          : nameInput('vaultMount', input.authMount, 'authMount');
      const clusterMount = clusterAuthMount(
        { cluster: input.cluster, authMount: askedMount },
        'authMount',
        defaults.clusterMounts,
      );
      const authMount =
        clusterMount ??
        nameInput('vaultMount', askedMount, 'authMount', defaults.authMount);
      if (!clusterMount && !defaults.allowedAuthMounts.includes(authMount)) {
        throw outsideRule(
          'authMount',
          `"${authMount}" is not an allowed Kubernetes auth mount; allowed: ${defaults.allowedAuthMounts.join(
            ', ',
          )}`,
          'only configured auth mounts',
          'kubernetesRole.allowedAuthMounts',
        );
      }
      const overwrite = booleanInput(input.overwrite, 'overwrite');

      const role = {
        bound_service_account_names: serviceAccounts,
        bound_service_account_namespaces: namespaces,
        audience,
        token_policies: policies,
        token_ttl: ttlSeconds,
      };

      const vault = options.vault();
      // The role's policies must be this module's, for this service: otherwise the role would
      // hand out whatever a hand-written policy of the same name grants.
      const ownership = new Map<string, PolicyOwnership>();
      const ownershipOf = async (policy: string) => {
        if (!ownership.has(policy)) {
          ownership.set(
            policy,
            await readPolicyOwnership(vault, policy, entityRef),
          );
        }
        return ownership.get(policy)!;
      };
      for (const policy of policies) {
        const owned = await ownershipOf(policy);
        if (owned.state === 'foreign') {
          throw foreignPolicyError(
            policy,
            entityRef,
            owned.owner,
            `role ${roleName} may only carry policies this module wrote for ${entityRef}`,
          );
        }
        if (owned.state === 'missing') {
          if (ctx.isDryRun) {
            ctx.logger.info(
              `Dry run: policy "${policy}" does not exist yet; vault:policy:create writes it in a real run`,
            );
          } else {
            throw new InputError(
              `Invalid policies: Vault policy "${policy}" does not exist; write it with vault:policy:create (for ${entityRef}) before the role`,
            );
          }
        }
      }

      /** What the mount's config says about token review; never the JWT (Vault returns none). */
      const reviewerModeOf = async (
        mount: string,
      ): Promise<'reviewer-jwt' | 'client-jwt' | 'unknown'> => {
        try {
          const config = await vault.readKubernetesAuthConfig(mount);
          if (!config) return 'unknown';
          return config.tokenReviewerJwtSet ? 'reviewer-jwt' : 'client-jwt';
        } catch (error) {
          ctx.logger.warn(
            `Could not read auth/${mount}/config to tell how it reviews tokens (${
              isError(error) ? error.message : String(error)
            }); reviewerMode is unknown`,
          );
          return 'unknown';
        }
      };

      const existing = await vault
        .readKubernetesRole(authMount, roleName)
        .catch(error => {
          // Vault answers a path under a mount that does not exist with "no handler for route"
          if (
            isError(error) &&
            error.name === 'NotFoundError' &&
            /no handler for route/.test(error.message)
          ) {
            throw new InputError(
              `Vault has no Kubernetes auth mount auth/${authMount}/${
                clusterMount
                  ? `: cluster "${String(
                      input.cluster,
                    )}" is not onboarded to Vault yet. Run the "Onboard a cluster to Vault" template (vault:kubernetes-auth:configure) for it first`
                  : '. Enable and configure it (vault:kubernetes-auth:configure), or choose another authMount'
              }`,
            );
          }
          throw error;
        });
      let result: 'created' | 'unchanged' | 'updated' = 'created';
      if (existing) {
        // Vault keeps no free-form field on a Kubernetes role; what marks a role as this
        // service's is that every policy it carries is marked as the service's.
        const foreign: string[] = [];
        for (const policy of existing.tokenPolicies) {
          if ((await ownershipOf(policy)).state !== 'ours') {
            foreign.push(policy);
          }
        }
        if (existing.tokenPolicies.length === 0 || foreign.length > 0) {
          throw new ConflictError(
            `Vault role auth/${authMount}/role/${roleName} exists and is not marked as ${entityRef}'s (${
              foreign.length
                ? `it carries policies not written by this module for it: ${foreign.join(
                    ', ',
                  )}`
                : 'it carries no policy'
            }); this module changes only roles whose policies are all its own for the same service, even with overwrite: true. Choose another roleName, or have a Vault admin remove the role`,
          );
        }
        const diff = differences(
          {
            bound_service_account_names: existing.boundServiceAccountNames,
            bound_service_account_namespaces:
              existing.boundServiceAccountNamespaces,
            audience: existing.audience,
            token_policies: existing.tokenPolicies,
            token_ttl: existing.tokenTtlSeconds,
          },
          role,
        );
        if (diff.length === 0) {
          result = 'unchanged';
        } else if (!overwrite) {
          throw new ConflictError(
            `Vault role auth/${authMount}/role/${roleName} already exists with different settings (${diff.join(
              '; ',
            )}). Set overwrite: true to replace them, or choose another roleName`,
          );
        } else {
          result = 'updated';
        }
      }

      if (result === 'unchanged') {
        ctx.logger.info(
          `Vault role auth/${authMount}/role/${roleName} is already as wanted`,
        );
      } else if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would write Vault role auth/${authMount}/role/${roleName} (${result})`,
        );
      } else {
        const warnings = await ctx.checkpoint({
          key: checkpointKey(
            `vault-kubernetes-role-${authMount}-${roleName}`,
            role,
          ),
          fn: async () => vault.writeKubernetesRole(authMount, roleName, role),
        });
        for (const warning of warnings ?? []) {
          ctx.logger.warn(`Vault warned about role ${roleName}: ${warning}`);
        }
        ctx.logger.info(
          `Vault role auth/${authMount}/role/${roleName} ${result}`,
        );
      }
      ctx.output('roleName', roleName);
      ctx.output('role', role);
      ctx.output('result', result);
      ctx.output('authMount', authMount);
      ctx.output('reviewerMode', await reviewerModeOf(authMount));
    },
  });
}
