import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkpointKey } from './checkpointKey';
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

/**
 * `vault:kubernetes-role:create`: writes a Kubernetes auth role that lets ESO's service
 * account log in with the service's policies.
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
      "Writes a Vault Kubernetes auth role (auth/<mount>/role/<role>) bound to External Secrets Operator's service account, with the service's policies.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              'Service name (DNS label); default for roleName and policies',
            ),
        roleName: z =>
          z
            .string()
            .optional()
            .describe('Role name; default `external-secrets-<name>`'),
        policies: z =>
          z
            .array(z.string())
            .optional()
            .describe('Policies of the role; default [name]'),
        boundServiceAccountNames: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "ESO's service account; default from config (`external-secrets`)",
            ),
        boundServiceAccountNamespaces: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "ESO's namespace; default from config (`external-secrets`)",
            ),
        audience: z =>
          z
            .string()
            .optional()
            .describe(
              "Audience of ESO's token; default from config (`https://kubernetes.default.svc.cluster.local`)",
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
              'Kubernetes auth mount path; default from config (`kubernetes`)',
            ),
        overwrite: z =>
          z
            .boolean()
            .optional()
            .describe('Replace an existing, different role; default false'),
      },
      output: {
        roleName: z => z.string().describe('The role name'),
        role: z =>
          z.record(z.unknown()).describe('The role payload written to Vault'),
        result: z =>
          z
            .enum(['created', 'unchanged', 'updated'])
            .describe('What happened (or would happen, in a dry run)'),
      },
    },
    async handler(ctx) {
      const input = ctx.input as Record<string, unknown>;
      const name = nameInput('serviceName', input.name, 'name');
      const roleName = nameInput(
        'vaultRoleName',
        input.roleName,
        'roleName',
        `external-secrets-${name}`,
      );
      const policies = nameListInput(
        'vaultPolicyName',
        input.policies,
        'policies',
        [name],
      );
      const serviceAccounts = nameListInput(
        'serviceAccountName',
        input.boundServiceAccountNames,
        'boundServiceAccountNames',
        [defaults.serviceAccountName],
      );
      const namespaces = nameListInput(
        'kubernetesNamespace',
        input.boundServiceAccountNamespaces,
        'boundServiceAccountNamespaces',
        [defaults.serviceAccountNamespace],
      );
      const audience = audienceInput(input.audience, defaults.audience);
      const ttlSeconds = durationInput(input.ttl, 'ttl', defaults.ttl);
      const authMount = nameInput(
        'vaultMount',
        input.authMount,
        'authMount',
        defaults.authMount,
      );
      const overwrite = booleanInput(input.overwrite, 'overwrite');

      const role = {
        bound_service_account_names: serviceAccounts,
        bound_service_account_namespaces: namespaces,
        audience,
        token_policies: policies,
        token_ttl: ttlSeconds,
      };

      const vault = options.vault();
      const existing = await vault.readKubernetesRole(authMount, roleName);
      let result: 'created' | 'unchanged' | 'updated' = 'created';
      if (existing) {
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
    },
  });
}
