import { ConflictError, InputError } from '@backstage/errors';
import {
  VaultCapability,
  VaultPolicy,
  isServicePolicyName,
  kvServicePolicy,
  parseVaultPolicy,
  policyOwnershipMark,
  renderVaultPolicyHcl,
} from '@gitops-secrets/plugin-external-secrets-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkpointKey } from './checkpointKey';
import { booleanInput, kvVersionInput, nameInput } from './inputRules';
import {
  checkKvKey,
  foreignPolicyError,
  kvVersionFromVault,
  outsideRule,
  readPolicyOwnership,
  serviceScopeInput,
} from './serviceScope';
import {
  VaultActionSettings,
  VaultClientProvider,
} from './vaultActionSettings';
import { examples } from './vaultPolicyCreate.examples';
import {
  kvMountField,
  kvVersionField,
  VAULT_KV_VERSION,
  overwriteField,
  serviceNameField,
} from './inputFields';

/** Rules as comparable lines, so that formatting and rule order do not count as a change. */
function ruleLines(policy: VaultPolicy): string[] {
  return policy.rules
    .map(r => `path "${r.path}" [${[...r.capabilities].sort().join(', ')}]`)
    .sort();
}

function policyDifferences(
  existingText: string,
  wanted: VaultPolicy,
): string[] | undefined {
  let existing: VaultPolicy;
  try {
    existing = parseVaultPolicy(existingText);
  } catch {
    return ['the policy in Vault cannot be parsed'];
  }
  const have = ruleLines(existing);
  const want = ruleLines(wanted);
  const lines = [
    ...have
      .filter(line => !want.includes(line))
      .map(line => `only in Vault: ${line}`),
    ...want
      .filter(line => !have.includes(line))
      .map(line => `only wanted: ${line}`),
  ];
  return lines.length ? lines : undefined;
}

/**
 * `vault:policy:create`: writes a least-privilege ACL policy for a service's KV secrets.
 *
 * @public
 */
export function createVaultPolicyCreateAction(options: {
  vault: VaultClientProvider;
  settings: VaultActionSettings;
}) {
  const { settings } = options;
  return createTemplateAction({
    id: 'vault:policy:create',
    description:
      "Writes a least-privilege Vault ACL policy granting read (and optionally list) on one service's KV secrets, e.g. `secret/data/<name>/*` on KV v2.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: serviceNameField(
          'Service name (DNS label); default for pathPrefix and policyName',
        ),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'Catalog entity the policy belongs to (written into its first line); default `component:default/<name>`',
            ),
        kvMount: kvMountField(
          'KV mount; default from config (`secret`); must be listed in externalSecrets.vault.allowedPathRoots',
        ),
        kvVersion: kvVersionField(VAULT_KV_VERSION),
        pathPrefix: z =>
          z
            .string()
            .optional()
            .describe(
              "Folder under the mount holding the service's secrets; default `name`; must lie inside the service's roots (externalSecrets.vault.allowedPathRoots)",
            ),
        capabilities: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Capabilities to grant; default ["read"]. Only those allowed by config (default read, list)',
            ),
        policyName: z =>
          z
            .string()
            .optional()
            .describe('Policy name: `<name>` (default) or `<name>.<suffix>`'),
        overwrite: overwriteField(
          "Replace an existing, different policy marked as this service's; default false",
        ),
      },
      output: {
        policyName: z => z.string().describe('The policy name'),
        policy: z => z.string().describe('The policy text (HCL)'),
        result: z =>
          z
            .enum(['created', 'unchanged', 'updated'])
            .describe('What happened (or would happen, in a dry run)'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const { name, entityRef } = serviceScopeInput(input);
      const kvMount = nameInput(
        'vaultMount',
        input.kvMount,
        'kvMount',
        settings.kvMount,
      );
      kvVersionInput(input.kvVersion);
      const pathPrefix = nameInput(
        'vaultKvKey',
        input.pathPrefix,
        'pathPrefix',
        name,
      );
      checkKvKey(settings, kvMount, name, pathPrefix, 'pathPrefix', {
        allowRoot: true,
      });
      const policyName = nameInput(
        'vaultPolicyName',
        input.policyName,
        'policyName',
        name,
      );
      if (!isServicePolicyName(name, policyName)) {
        throw outsideRule(
          'policyName',
          `"${policyName}" is not a policy name of service "${name}"`,
          `a service's policies are named "${name}" or "${name}.<suffix>"`,
        );
      }
      const overwrite = booleanInput(input.overwrite, 'overwrite');
      const capabilitiesInput =
        input.capabilities === undefined ? ['read'] : input.capabilities;
      if (!Array.isArray(capabilitiesInput) || capabilitiesInput.length === 0) {
        throw new InputError(
          'Invalid capabilities: must be a non-empty list such as ["read"]',
        );
      }
      const capabilities = capabilitiesInput.map((cap, i) => {
        if (
          typeof cap !== 'string' ||
          !settings.allowedCapabilities.includes(cap as VaultCapability)
        ) {
          throw outsideRule(
            `capabilities[${i}]`,
            `${JSON.stringify(
              String(cap).slice(0, 40),
            )} is not allowed; allowed: ${settings.allowedCapabilities.join(
              ', ',
            )}`,
            'only configured capabilities',
            'policy.allowedCapabilities',
          );
        }
        return cap as VaultCapability;
      });

      const vault = options.vault();
      const kvVersion = await kvVersionFromVault(
        vault,
        settings,
        kvMount,
        input.kvVersion,
      );
      const wanted = kvServicePolicy({
        kvMount,
        kvVersion,
        pathPrefix,
        capabilities,
      });
      const policy = `${policyOwnershipMark(entityRef)}\n${renderVaultPolicyHcl(
        wanted,
      )}`;

      const existing = await readPolicyOwnership(vault, policyName, entityRef);
      let result: 'created' | 'unchanged' | 'updated' = 'created';
      if (existing.state === 'foreign') {
        throw foreignPolicyError(
          policyName,
          entityRef,
          existing.owner,
          'this module changes only policies it wrote for the same service, even with overwrite: true',
        );
      }
      if (existing.state === 'ours') {
        const diff = policyDifferences(existing.text, wanted);
        if (!diff) {
          result = 'unchanged';
        } else if (!overwrite) {
          throw new ConflictError(
            `Vault policy "${policyName}" already exists with different rules (${diff.join(
              '; ',
            )}). Set overwrite: true to replace it, or choose another policyName`,
          );
        } else {
          result = 'updated';
        }
      }

      if (result !== 'unchanged') {
        if (ctx.isDryRun) {
          ctx.logger.info(
            `Dry run: would write Vault policy "${policyName}" (${result})`,
          );
        } else {
          await ctx.checkpoint({
            key: checkpointKey(`vault-policy-${policyName}`, policy),
            fn: async () => {
              await vault.writePolicy(policyName, policy);
            },
          });
          ctx.logger.info(`Vault policy "${policyName}" ${result}`);
        }
      } else {
        ctx.logger.info(`Vault policy "${policyName}" is already as wanted`);
      }
      ctx.output('policyName', policyName);
      ctx.output('policy', policy);
      ctx.output('result', result);
    },
  });
}
