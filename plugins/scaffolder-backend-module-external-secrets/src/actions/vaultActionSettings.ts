import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  VAULT_CAPABILITIES,
  VaultCapability,
  nameProblem,
  parseGoDuration,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  VAULT_CONFIG_KEY,
  VaultClient,
  readVaultSettings,
} from '@gitops-secrets/plugin-external-secrets-node';
import { audienceInput } from './inputRules';

/**
 * Defaults and limits of the Vault actions, from `externalSecrets.vault` config.
 *
 * @public
 */
export interface VaultActionSettings {
  kvMount: string;
  allowedCapabilities: VaultCapability[];
  kubernetesRole: {
    authMount: string;
    serviceAccountName: string;
    serviceAccountNamespace: string;
    audience: string;
    ttl: string;
  };
}

/**
 * Gives the actions their Vault client; throws an `InputError` when Vault is not configured,
 * so that the backend starts without Vault and only running a Vault action fails.
 *
 * @public
 */
export type VaultClientProvider = () => VaultClient;

const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

function invalid(key: string, problem: string): never {
  throw new InputError(`Invalid ${VAULT_CONFIG_KEY}.${key}: ${problem}`);
}

/** Reads the action defaults, validating each against the rule the actions apply to input. */
export function readVaultActionSettings(config: Config): VaultActionSettings {
  const vault = config.getOptionalConfig(VAULT_CONFIG_KEY);
  const allowed = (vault?.getOptionalStringArray(
    'policy.allowedCapabilities',
  ) ?? ['read', 'list']) as VaultCapability[];
  for (const cap of allowed) {
    if (!VAULT_CAPABILITIES.includes(cap) || cap === 'deny') {
      invalid(
        'policy.allowedCapabilities',
        `${JSON.stringify(cap)} is not a capability a policy can grant`,
      );
    }
  }
  const role = vault?.getOptionalConfig('kubernetesRole');
  const checked = (
    key: string,
    kind: Parameters<typeof nameProblem>[0],
    fallback: string,
  ) => {
    const value = role?.getOptionalString(key) ?? fallback;
    const problem = nameProblem(kind, value);
    if (problem) invalid(`kubernetesRole.${key}`, problem);
    return value;
  };
  const ttl = role?.getOptionalString('ttl') ?? '1h';
  if (!parseGoDuration(ttl)) {
    invalid(
      'kubernetesRole.ttl',
      `${JSON.stringify(ttl)} is not a duration such as "1h"`,
    );
  }
  const audience = role?.getOptionalString('audience') ?? DEFAULT_AUDIENCE;
  try {
    audienceInput(audience, DEFAULT_AUDIENCE);
  } catch (error) {
    invalid('kubernetesRole.audience', (error as Error).message);
  }
  return {
    kvMount: vault?.getOptionalString('kvMount') ?? 'secret',
    allowedCapabilities: allowed,
    kubernetesRole: {
      authMount: checked('authMount', 'vaultMount', 'kubernetes'),
      serviceAccountName: checked(
        'serviceAccountName',
        'serviceAccountName',
        'external-secrets',
      ),
      serviceAccountNamespace: checked(
        'serviceAccountNamespace',
        'kubernetesNamespace',
        'external-secrets',
      ),
      audience,
      ttl,
    },
  };
}

/**
 * Validates `externalSecrets.vault` now (start-up) and returns a provider of the one shared
 * client: with config present, a bad value fails the start; without it, every call to the
 * provider throws an `InputError` explaining what to configure.
 *
 * @public
 */
export function createVaultClientProvider(
  config: Config,
  logger: LoggerService,
): VaultClientProvider {
  const settings = readVaultSettings(config);
  if (!settings) {
    return () => {
      throw new InputError(
        `${VAULT_CONFIG_KEY} is not configured: the Vault actions need baseUrl and auth in app-config (see the README of @gitops-secrets/plugin-scaffolder-backend-module-external-secrets)`,
      );
    };
  }
  const client = new VaultClient(settings, { logger });
  return () => client;
}
