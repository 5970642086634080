import { ConflictError, InputError } from '@backstage/errors';
import {
  kvPaths,
  validateName,
} from '@gitops-secrets/plugin-external-secrets-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { kvVersionInput, nameInput } from './inputRules';
import {
  VaultActionSettings,
  VaultClientProvider,
} from './vaultActionSettings';
import { examples } from './vaultKvSeed.examples';
import { checkKvKey, kvVersionFromVault } from './serviceScope';
import {
  kvMountField,
  kvVersionField,
  serviceNameField,
  VAULT_KV_VERSION,
} from './inputFields';

const SECRET_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Keys the scaffolder itself puts into `ctx.secrets` (checked in
 * `@backstage/plugin-scaffolder-backend`'s task routes: `backstageToken` with the user's
 * Backstage token, `__initiatorCredentials` with their serialized credentials). Seeding one
 * would copy a credential into Vault, where the service could read it.
 */
export const SCAFFOLDER_OWN_SECRETS: readonly string[] = [
  'backstageToken',
  '__initiatorCredentials',
];

function scaffolderOwnSecret(secret: string): boolean {
  // Names with a leading "__" are the scaffolder's convention for its own entries.
  return SCAFFOLDER_OWN_SECRETS.includes(secret) || secret.startsWith('__');
}

interface PropertyMapping {
  property: string;
  secret: string;
}

function readProperties(value: unknown): PropertyMapping[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError(
      'Invalid properties: must be a non-empty list of { property, secret }',
    );
  }
  if (value.length > 100) {
    throw new InputError('Invalid properties: at most 100 entries');
  }
  const seen = new Set<string>();
  return value.map((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InputError(
        `Invalid properties[${i}]: must be an object { property, secret }`,
      );
    }
    const { property, secret } = entry as Record<string, unknown>;
    validateName('vaultProperty', property, `properties[${i}].property`);
    if (typeof secret !== 'string' || !SECRET_KEY.test(secret)) {
      throw new InputError(
        `Invalid properties[${i}].secret: must name a template secret (letters, digits, "_", "." and "-", at most 128 characters)`,
      );
    }
    if (scaffolderOwnSecret(secret)) {
      throw new InputError(
        `Invalid properties[${i}].secret: "${secret}" is one of the scaffolder's own credentials (${SCAFFOLDER_OWN_SECRETS.join(
          ', ',
        )}, or any name starting with "__"), never a value the user typed; name a ui:field: Secret parameter instead`,
      );
    }
    if (seen.has(property as string)) {
      throw new InputError(
        `Invalid properties[${i}].property: "${property}" is listed twice`,
      );
    }
    seen.add(property as string);
    return { property: property as string, secret };
  });
}

/**
 * `vault:kv:seed`: writes a service's first secret values from the task's secrets, never
 * overwriting an existing secret.
 *
 * @public
 */
export function createVaultKvSeedAction(options: {
  vault: VaultClientProvider;
  settings: VaultActionSettings;
}) {
  return createTemplateAction({
    id: 'vault:kv:seed',
    description:
      'Writes a new Vault KV secret from values the user typed into `ui:field: Secret` fields (ctx.secrets), with check-and-set 0 so an existing secret is never overwritten. Values are never logged or output.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: serviceNameField(
          'Service name (DNS label); the path must lie below its KV roots',
        ),
        path: z =>
          z
            .string()
            .describe(
              "KV key under the mount, e.g. `example-api/env-file`; below the service's roots (externalSecrets.vault.allowedPathRoots)",
            ),
        properties: z =>
          z
            .array(
              z.object({
                property: z
                  .string()
                  .describe('Property name in the Vault secret, e.g. `dotenv`'),
                secret: z
                  .string()
                  .describe(
                    "Name of the template secret holding the value; never the scaffolder's own (backstageToken, __initiatorCredentials)",
                  ),
              }),
            )
            .describe('Which template secret goes into which property'),
        ifExists: z =>
          z
            .enum(['skip', 'fail'])
            .optional()
            .describe(
              'When the secret already exists: `skip` (default) or `fail`',
            ),
        kvMount: kvMountField('KV mount; default from config (`secret`)'),
        kvVersion: kvVersionField(VAULT_KV_VERSION),
      },
      output: {
        path: z =>
          z
            .string()
            .describe('The KV key (as an ExternalSecret remoteRef.key)'),
        version: z =>
          z
            .number()
            .describe(
              'Version of the secret in Vault (0 when unknown or KV v1)',
            ),
        result: z =>
          z
            .enum(['created', 'skipped'])
            .describe('What happened (or would happen, in a dry run)'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const name = nameInput('serviceName', input.name, 'name');
      const key = nameInput('vaultKvKey', input.path, 'path');
      const kvMount = nameInput(
        'vaultMount',
        input.kvMount,
        'kvMount',
        options.settings.kvMount,
      );
      checkKvKey(options.settings, kvMount, name, key, 'path', {
        allowRoot: false,
      });
      kvVersionInput(input.kvVersion);
      const ifExists = input.ifExists === undefined ? 'skip' : input.ifExists;
      if (ifExists !== 'skip' && ifExists !== 'fail') {
        throw new InputError('Invalid ifExists: must be "skip" or "fail"');
      }
      const mappings = readProperties(input.properties);
      const values: Record<string, string> = {};
      for (const { property, secret } of mappings) {
        const value = ctx.secrets?.[secret];
        if (typeof value !== 'string' || value === '') {
          throw new InputError(
            `Invalid properties: the template secret "${secret}" (for property "${property}") is missing or empty; it must come from a ui:field: Secret parameter`,
          );
        }
        values[property] = value;
      }

      const vault = options.vault();
      const kvVersion = await kvVersionFromVault(
        vault,
        options.settings,
        kvMount,
        input.kvVersion,
      );
      const dataPath = kvPaths(kvMount, key, kvVersion).data;
      const existingOutcome = (
        currentVersion: number,
      ): { result: 'skipped'; version: number } => {
        if (ifExists === 'fail') {
          throw new ConflictError(
            `Vault secret ${dataPath} already exists and ifExists is "fail"; it is never overwritten. Change it in Vault, or use ifExists: skip`,
          );
        }
        return { result: 'skipped', version: currentVersion };
      };

      let outcome: { result: 'created' | 'skipped'; version: number };
      if (ctx.isDryRun) {
        const existing = await vault.readKvMetadata(kvMount, key);
        outcome = existing
          ? existingOutcome(existing.currentVersion)
          : { result: 'created', version: 0 };
        ctx.logger.info(
          `Dry run: would ${
            existing ? 'leave' : 'write'
          } Vault secret ${dataPath} with properties ${Object.keys(values).join(
            ', ',
          )}`,
        );
      } else {
        outcome = await ctx.checkpoint({
          key: `vault-kv-seed-${kvMount}-${key}`,
          fn: async () => {
            try {
              const written = await vault.createKvSecret(kvMount, key, values);
              return { result: 'created' as const, version: written.version };
            } catch (error) {
              // Check-and-set 0 refused: the secret exists and stays as it is.
              if ((error as Error).name === 'ConflictError') {
                const now = await vault.readKvMetadata(kvMount, key);
                return existingOutcome(now?.currentVersion ?? 0);
              }
              throw error;
            }
          },
        });
        ctx.logger.info(
          outcome.result === 'created'
            ? `Vault secret ${dataPath} created (version ${
                outcome.version
              }) with properties ${Object.keys(values).join(', ')}`
            : `Vault secret ${dataPath} already exists; left unchanged`,
        );
      }
      ctx.output('path', key);
      ctx.output('version', outcome.version);
      ctx.output('result', outcome.result);
    },
  });
}
