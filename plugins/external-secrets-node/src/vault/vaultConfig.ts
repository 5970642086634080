import { readFileSync } from 'node:fs';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  KvVersion,
  nameProblem,
  parseGoDuration,
  parseKvVersion,
} from '@gitops-secrets/plugin-external-secrets-common';

/**
 * How the backend authenticates to Vault.
 *
 * @public
 */
export type VaultAuthSettings =
  | { type: 'token'; token: string }
  | { type: 'kubernetes'; role: string; mountPath: string; tokenPath: string }
  | { type: 'approle'; mountPath: string; roleId: string; secretId: string };

/**
 * The validated `externalSecrets.vault` settings.
 *
 * @public
 */
export interface VaultSettings {
  baseUrl: string;
  ca?: string;
  namespace?: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  kvMount: string;
  kvVersion?: KvVersion;
  auth: VaultAuthSettings;
}

/**
 * Config key of the Vault settings.
 *
 * @public
 */
export const VAULT_CONFIG_KEY = 'externalSecrets.vault';

const DEFAULT_TOKEN_PATH =
  '/var/run/secrets/kubernetes.io/serviceaccount/token';

function invalid(key: string, problem: string): never {
  throw new InputError(`Invalid ${VAULT_CONFIG_KEY}.${key}: ${problem}`);
}

function readMount(config: Config, key: string, fallback: string): string {
  const value = config.getOptionalString(key) ?? fallback;
  const problem = nameProblem('vaultMount', value);
  if (problem) invalid(key, problem);
  return value;
}

function readTimeout(config: Config): number {
  const raw = config.getOptional('timeout');
  if (raw === undefined) return 10_000;
  const ms = typeof raw === 'number' ? raw : parseGoDuration(String(raw));
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0 || ms > 600_000) {
    return invalid(
      'timeout',
      'give milliseconds or a duration such as "10s", at most 10 minutes',
    );
  }
  return ms;
}

function readAuth(config: Config): VaultAuthSettings {
  const type = config.getString('auth.type');
  switch (type) {
    case 'token': {
      const token = config.getString('auth.token');
      if (token.trim() === '') invalid('auth.token', 'must not be empty');
      return { type, token };
    }
    case 'kubernetes':
      return {
        type,
        role: config.getString('auth.role'),
        mountPath: readMount(config, 'auth.mountPath', 'kubernetes'),
        tokenPath:
          config.getOptionalString('auth.tokenPath') ?? DEFAULT_TOKEN_PATH,
      };
    case 'approle':
      return {
        type,
        mountPath: readMount(config, 'auth.mountPath', 'approle'),
        roleId: config.getString('auth.roleId'),
        secretId: config.getString('auth.secretId'),
      };
    default:
      return invalid(
        'auth.type',
        `${JSON.stringify(
          type,
        )} is not one of "token", "kubernetes", "approle"`,
      );
  }
}

/**
 * Reads and validates `externalSecrets.vault` from root config; undefined when the section is
 * absent. Throws an `InputError` naming the key for anything invalid: a plain-HTTP `baseUrl`
 * without `allowInsecureHttp`, an unknown auth type, a missing credential, an unreadable
 * `caFile`.
 *
 * @public
 */
export function readVaultSettings(
  rootConfig: Config,
): VaultSettings | undefined {
  const config = rootConfig.getOptionalConfig(VAULT_CONFIG_KEY);
  if (!config) {
    return undefined;
  }
  const baseUrlText = config.getString('baseUrl');
  let url: URL;
  try {
    url = new URL(baseUrlText);
  } catch {
    return invalid('baseUrl', `${JSON.stringify(baseUrlText)} is not a URL`);
  }
  if (url.protocol === 'http:') {
    if (!config.getOptionalBoolean('allowInsecureHttp')) {
      invalid(
        'baseUrl',
        'Vault over plain HTTP is refused because tokens and secret values would travel unencrypted; use https://, or set allowInsecureHttp: true for local development only',
      );
    }
  } else if (url.protocol !== 'https:') {
    invalid('baseUrl', `protocol ${url.protocol} is not https:`);
  }
  if (url.username || url.password) {
    invalid('baseUrl', 'must not carry credentials');
  }

  const caData = config.getOptionalString('caData');
  const caFile = config.getOptionalString('caFile');
  let ca = caData;
  if (caFile) {
    try {
      ca = [caData, readFileSync(caFile, 'utf8')].filter(Boolean).join('\n');
    } catch (error) {
      invalid(
        'caFile',
        `cannot read ${caFile}: ${
          (error as NodeJS.ErrnoException).code ?? 'error'
        }`,
      );
    }
  }

  const kvVersionRaw = config.getOptional('kvVersion');
  const kvVersion = parseKvVersion(kvVersionRaw);
  if (kvVersionRaw !== undefined && kvVersion === undefined) {
    invalid('kvVersion', 'must be 1 or 2 (or left out to detect it)');
  }

  const maxRetries = config.getOptionalNumber('maxRetries') ?? 3;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) {
    invalid('maxRetries', 'must be a whole number from 0 to 10');
  }
  const retryBaseDelayMs = config.getOptionalNumber('retryBaseDelayMs') ?? 200;
  if (!(retryBaseDelayMs >= 0 && retryBaseDelayMs <= 60_000)) {
    invalid('retryBaseDelayMs', 'must be from 0 to 60000');
  }

  return {
    baseUrl: baseUrlText.replace(/\/+$/, ''),
    ca,
    namespace: config.getOptionalString('namespace'),
    timeoutMs: readTimeout(config),
    maxRetries,
    retryBaseDelayMs,
    kvMount: readMount(config, 'kvMount', 'secret'),
    kvVersion,
    auth: readAuth(config),
  };
}
