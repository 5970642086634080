import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  KvPathRootRule,
  KvVersion,
  NameKind,
  SERVICE_NAME_PLACEHOLDER,
  ServiceAccountRef,
  VAULT_CAPABILITIES,
  VaultCapability,
  nameProblem,
  parseGoDuration,
  parseKvVersion,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  VAULT_CONFIG_KEY,
  VaultClient,
  readVaultSettings,
} from '@gitops-secrets/plugin-external-secrets-node';
import { readClusterMounts } from './clusterMounts';
import { audienceInput } from './inputRules';

/**
 * Defaults and limits of the Vault actions, from `externalSecrets.vault` config. Everything a
 * template may ask for beyond what the service name derives must lie inside these lists.
 *
 * @public
 */
export interface VaultActionSettings {
  kvMount: string;
  /** `kvVersion` as configured for `kvMount`; only checked against what Vault says. */
  configuredKvVersion?: KvVersion;
  allowedCapabilities: VaultCapability[];
  /** KV roots per mount (`{name}` = service name) that policies and seeds may use. */
  allowedPathRoots: KvPathRootRule[];
  kubernetesRole: {
    authMount: string;
    allowedAuthMounts: string[];
    /**
     * The auth mount of each cluster of `externalSecrets.clusters`, by name, as the status
     * backend resolves it: the mount a role is written on when a step names a `cluster`.
     */
    clusterMounts: ReadonlyMap<string, string>;
    audience: string;
    allowedAudiences: string[];
    ttl: string;
    /**
     * Set only by explicit config (`serviceAccountName` + `serviceAccountNamespace`): every
     * role is then bound to this one account (ESO's own), as the seed is. Absent: each role is
     * bound to the service's own account in the service's namespace.
     */
    sharedServiceAccount?: ServiceAccountRef;
    /** More accounts a template may bind (`{name}` = service name). */
    allowedServiceAccounts: ServiceAccountRef[];
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

/** A configured name that may contain `{name}`: checked with a sample service name. */
function templatedName(key: string, kind: NameKind, value: string): string {
  const problem = nameProblem(
    kind,
    value.replaceAll(SERVICE_NAME_PLACEHOLDER, 'service'),
  );
  if (problem) invalid(key, problem);
  return value;
}

function readPathRoots(
  vault: Config | undefined,
  kvMount: string,
): KvPathRootRule[] {
  const key = 'allowedPathRoots';
  const list = vault?.getOptionalConfigArray(key);
  if (!list) {
    return [{ mount: kvMount, roots: [SERVICE_NAME_PLACEHOLDER] }];
  }
  return list.map((entry, i) => {
    const mount = entry.getString('mount');
    const mountProblem = nameProblem('vaultMount', mount);
    if (mountProblem) invalid(`${key}[${i}].mount`, mountProblem);
    const roots = entry.getStringArray('roots');
    if (roots.length === 0) invalid(`${key}[${i}].roots`, 'must not be empty');
    roots.forEach((root, r) => {
      templatedName(`${key}[${i}].roots[${r}]`, 'vaultKvKey', root);
      if (!root.includes(SERVICE_NAME_PLACEHOLDER)) {
        invalid(
          `${key}[${i}].roots[${r}]`,
          `"${root}" does not contain {name}: every service would share it`,
        );
      }
    });
    return { mount, roots };
  });
}

/**
 * Reads the action defaults and limits, validating each against the rule the actions apply.
 *
 * @public
 */
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
  const audienceOf = (key: string, value: string) => {
    try {
      return audienceInput(value, DEFAULT_AUDIENCE);
    } catch (error) {
      return invalid(key, (error as Error).message);
    }
  };
  const audience = audienceOf(
    'kubernetesRole.audience',
    role?.getOptionalString('audience') ?? DEFAULT_AUDIENCE,
  );
  const authMount = checked('authMount', 'vaultMount', 'kubernetes');

  const sharedName = role?.getOptionalString('serviceAccountName');
  const sharedNamespace = role?.getOptionalString('serviceAccountNamespace');
  if ((sharedName === undefined) !== (sharedNamespace === undefined)) {
    invalid(
      'kubernetesRole',
      'set both serviceAccountName and serviceAccountNamespace (bind every role to one shared account, as the seed does) or neither (each service its own account)',
    );
  }
  const sharedServiceAccount =
    sharedName !== undefined
      ? {
          name: checked('serviceAccountName', 'serviceAccountName', ''),
          namespace: checked(
            'serviceAccountNamespace',
            'kubernetesNamespace',
            '',
          ),
        }
      : undefined;

  const kvMount = vault?.getOptionalString('kvMount') ?? 'secret';
  const kvVersionValue = vault?.getOptional('kvVersion');
  return {
    kvMount,
    ...(kvVersionValue !== undefined
      ? { configuredKvVersion: parseKvVersion(kvVersionValue) }
      : {}),
    allowedCapabilities: allowed,
    allowedPathRoots: readPathRoots(vault, kvMount),
    kubernetesRole: {
      authMount,
      allowedAuthMounts: [
        ...new Set([
          authMount,
          ...(role?.getOptionalStringArray('allowedAuthMounts') ?? []).map(
            (mount, i) =>
              templatedName(
                `kubernetesRole.allowedAuthMounts[${i}]`,
                'vaultMount',
                mount,
              ),
          ),
        ]),
      ],
      clusterMounts: readClusterMounts(config),
      audience,
      allowedAudiences: [
        ...new Set([
          audience,
          ...(role?.getOptionalStringArray('allowedAudiences') ?? []).map(
            (value, i) =>
              audienceOf(`kubernetesRole.allowedAudiences[${i}]`, value),
          ),
        ]),
      ],
      ttl,
      ...(sharedServiceAccount ? { sharedServiceAccount } : {}),
      allowedServiceAccounts: (
        role?.getOptionalConfigArray('allowedServiceAccounts') ?? []
      ).map((entry, i) => ({
        name: templatedName(
          `kubernetesRole.allowedServiceAccounts[${i}].name`,
          'serviceAccountName',
          entry.getString('name'),
        ),
        namespace: templatedName(
          `kubernetesRole.allowedServiceAccounts[${i}].namespace`,
          'kubernetesNamespace',
          entry.getString('namespace'),
        ),
      })),
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
