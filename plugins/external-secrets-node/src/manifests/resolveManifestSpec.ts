import { InputError } from '@backstage/errors';
import {
  DEFAULT_MIN_REFRESH_INTERVAL,
  deriveNames,
  parseKvVersion,
  refreshIntervalProblem,
  secretsProblems,
  validateName,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ExternalSecretsManifestSpec,
  SecretPropertyMapping,
  SecretStoreKind,
  VaultCaProvider,
  VaultStoreSettings,
} from './types';

/**
 * Store settings as a template or config gives them: every field optional.
 *
 * @public
 */
export interface VaultStoreRequest {
  kind?: string;
  name?: string;
  server?: string;
  kvMount?: string;
  kvVersion?: string | number;
  caProvider?: Partial<VaultCaProvider>;
  caBundle?: string;
  authMount?: string;
  role?: string;
  serviceAccount?: { name?: string; namespace?: string };
  audiences?: string[];
}

/**
 * What a caller asks to render; omitted fields take the defaults.
 *
 * @public
 */
export interface ExternalSecretsManifestRequest {
  name: string;
  namespace?: string;
  secrets: Array<{
    name: string;
    vaultKey?: string;
    properties: SecretPropertyMapping[];
  }>;
  store?: VaultStoreRequest;
  refreshInterval?: string;
  creationPolicy?: string;
  deletionPolicy?: string;
  /**
   * How the cluster's Vault mount reviews tokens (`vault:kubernetes-role:create` says it):
   * `client-jwt` adds the store account's `system:auth-delegator` binding. Default `reviewer-jwt`.
   */
  reviewerMode?: string;
}

/**
 * Platform defaults, usually read from `externalSecrets.manifests` in the app config.
 *
 * @public
 */
export interface ExternalSecretsManifestDefaults {
  store?: VaultStoreRequest;
  refreshInterval?: string;
  /** The smallest `refreshInterval` accepted. Default `1m`. */
  minRefreshInterval?: string;
  /** Accept `refreshInterval: 0` (never refresh). Default false. */
  allowZeroRefreshInterval?: boolean;
  /** Accept an `http://` Vault server. Only for local sandboxes. */
  allowInsecureHttp?: boolean;
}

const CREATION_POLICIES = ['Owner', 'Orphan', 'Merge', 'None'] as const;
const DELETION_POLICIES = ['Retain', 'Delete', 'Merge'] as const;
const REVIEWER_MODES = ['reviewer-jwt', 'client-jwt'] as const;
const STORE_KINDS: SecretStoreKind[] = ['ClusterSecretStore', 'SecretStore'];

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  field: string,
): T {
  if (value === undefined || value === '') {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(
      `Invalid ${field}: ${JSON.stringify(value)} is not one of ${allowed.join(
        ', ',
      )}`,
    );
  }
  return value as T;
}

function checkServer(server: string | undefined, allowInsecureHttp: boolean) {
  if (!server) {
    throw new InputError(
      'Missing store.server: give the Vault address ESO should use, or set externalSecrets.manifests.store.server in the app config',
    );
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new InputError(
      `Invalid store.server: ${JSON.stringify(server)} is not a URL`,
    );
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    throw new InputError(
      `Invalid store.server: ${server} uses plain HTTP; ESO would send its Kubernetes token to Vault unencrypted. Use https://, or set externalSecrets.manifests.allowInsecureHttp for a local sandbox`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(
      `Invalid store.server: ${server} must be an https:// URL`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError(
      'Invalid store.server: give scheme, host, port and path only (no credentials, query or fragment)',
    );
  }
  return server;
}

function checkCaBundle(caBundle: string) {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(caBundle)
    ? Buffer.from(caBundle, 'base64').toString('utf8')
    : '';
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InputError(
      'Invalid store.caBundle: expected base64 of a PEM certificate bundle',
    );
  }
  return caBundle;
}

function resolveCaProvider(
  kind: SecretStoreKind,
  request: Partial<VaultCaProvider>,
  namespace: string,
): VaultCaProvider {
  const type = oneOf(
    request.type,
    ['ConfigMap', 'Secret'] as const,
    'ConfigMap',
    'store.caProvider.type',
  );
  const provider: VaultCaProvider = {
    type,
    name: validateName(
      'kubernetesObjectName',
      request.name,
      'store.caProvider.name',
    ),
    key: validateName('secretDataKey', request.key, 'store.caProvider.key'),
  };
  if (kind === 'ClusterSecretStore') {
    provider.namespace = validateName(
      'kubernetesNamespace',
      request.namespace,
      'store.caProvider.namespace (required for a ClusterSecretStore)',
    );
  } else if (request.namespace && request.namespace !== namespace) {
    throw new InputError(
      `Invalid store.caProvider.namespace: a SecretStore can only read its CA from its own namespace "${namespace}"`,
    );
  }
  return provider;
}

function resolveStore(
  serviceName: string,
  namespace: string,
  request: VaultStoreRequest,
  defaults: VaultStoreRequest,
  allowInsecureHttp: boolean,
): VaultStoreSettings {
  const names = deriveNames(serviceName);
  const kind = oneOf(
    request.kind ?? defaults.kind,
    STORE_KINDS,
    'ClusterSecretStore',
    'store.kind',
  );
  const kvVersionText = request.kvVersion ?? defaults.kvVersion ?? 2;
  const kvVersion = parseKvVersion(kvVersionText);
  if (!kvVersion) {
    throw new InputError(
      `Invalid store.kvVersion: ${JSON.stringify(kvVersionText)} is not 1 or 2`,
    );
  }
  if (request.caBundle && request.caProvider) {
    throw new InputError(
      'Invalid store: give either caBundle or caProvider, not both',
    );
  }

  // The service's own account in its namespace, unless config names a shared one (ESO's own,
  // as the seed does). A template cannot switch to a shared account: that would let the store
  // log in with a role every tenant's store can name.
  const configured = defaults.serviceAccount;
  const perService = !configured;
  let account: { name?: string; namespace?: string } = perService
    ? { name: names.serviceAccountName, namespace }
    : { ...configured };
  if (kind === 'SecretStore' && !perService) {
    // A namespaced store can only use an account of its own namespace.
    account = { name: configured!.name, namespace };
  }
  const asked = request.serviceAccount ?? {};
  for (const part of ['name', 'namespace'] as const) {
    if (asked[part] !== undefined && asked[part] !== account[part]) {
      throw new InputError(
        `Invalid store.serviceAccount.${part}: this service's store presents ${
          account.namespace
        }/${account.name} and no other account (${
          perService
            ? "each service's own account, rendered with the manifests"
            : 'a shared account set by config'
        }; config key externalSecrets.manifests.store.serviceAccount)`,
      );
    }
  }
  const accountName = validateName(
    'serviceAccountName',
    account.name,
    'store.serviceAccount.name',
  );
  const accountNamespace =
    kind === 'ClusterSecretStore'
      ? validateName(
          'kubernetesNamespace',
          account.namespace,
          'store.serviceAccount.namespace',
        )
      : undefined;

  const audiences = request.audiences ?? defaults.audiences ?? [];
  audiences.forEach((audience, index) => {
    if (typeof audience !== 'string' || audience.trim() === '') {
      throw new InputError(
        `Invalid store.audiences[${index}]: must be a non-empty string`,
      );
    }
  });

  const store: VaultStoreSettings = {
    kind,
    name: validateName(
      'kubernetesObjectName',
      request.name ?? names.storeName,
      'store.name',
    ),
    server: checkServer(request.server ?? defaults.server, allowInsecureHttp),
    kvMount: validateName(
      'vaultMount',
      request.kvMount ?? defaults.kvMount ?? 'secret',
      'store.kvMount',
    ),
    kvVersion,
    authMount: validateName(
      'vaultMount',
      request.authMount ?? defaults.authMount ?? 'kubernetes',
      'store.authMount',
    ),
    role: validateName(
      'vaultRoleName',
      request.role ?? names.roleName,
      'store.role',
    ),
    serviceAccount: {
      name: accountName,
      ...(accountNamespace ? { namespace: accountNamespace } : {}),
    },
    serviceAccountPerService: perService,
    audiences,
  };
  // The request's own CA choice wins over the configured one; a partial caProvider in the
  // request fills its gaps from the configured caProvider. A SecretStore reads its CA from its
  // own namespace, so the configured (cluster-wide) namespace does not apply to it.
  const configuredCaProvider = defaults.caProvider && {
    ...defaults.caProvider,
    namespace:
      kind === 'SecretStore' ? undefined : defaults.caProvider.namespace,
  };
  if (request.caBundle) {
    store.caBundle = checkCaBundle(request.caBundle);
  } else if (request.caProvider) {
    store.caProvider = resolveCaProvider(
      kind,
      { ...configuredCaProvider, ...request.caProvider },
      namespace,
    );
  } else if (defaults.caBundle) {
    store.caBundle = checkCaBundle(defaults.caBundle);
  } else if (configuredCaProvider) {
    store.caProvider = resolveCaProvider(kind, configuredCaProvider, namespace);
  }
  return store;
}

function resolveVaultKey(
  serviceName: string,
  secretName: string,
  vaultKey: string | undefined,
  store: VaultStoreSettings,
  index: number,
): string {
  const field = `secrets[${index}].vaultKey`;
  const key =
    vaultKey === undefined || vaultKey === ''
      ? deriveNames(serviceName).vaultKey(secretName)
      : validateName('vaultKvKey', vaultKey, field);
  if (key.startsWith(`${store.kvMount}/`)) {
    throw new InputError(
      `Invalid ${field}: "${key}" starts with the mount "${store.kvMount}/"; give the key relative to the mount (e.g. "${serviceName}/${secretName}")`,
    );
  }
  if (store.kvVersion === 2 && /^(data|metadata)\//.test(key)) {
    throw new InputError(
      `Invalid ${field}: "${key}" starts with a KV v2 API segment; ESO adds "data/" itself, give the key without it`,
    );
  }
  return key;
}

/**
 * Applies the defaults to a request and checks every name against the shared naming rules, so
 * that nothing invalid reaches a file. Throws `InputError` naming the field.
 *
 * @public
 */
export function resolveManifestSpec(
  request: ExternalSecretsManifestRequest,
  defaults: ExternalSecretsManifestDefaults = {},
): ExternalSecretsManifestSpec {
  const name = validateName('serviceName', request.name, 'name');
  const namespace = validateName(
    'kubernetesNamespace',
    request.namespace || name,
    'namespace',
  );
  const store = resolveStore(
    name,
    namespace,
    request.store ?? {},
    defaults.store ?? {},
    defaults.allowInsecureHttp ?? false,
  );

  const refreshInterval =
    request.refreshInterval || defaults.refreshInterval || '2m';
  const refreshProblem = refreshIntervalProblem(refreshInterval, {
    minimum: defaults.minRefreshInterval ?? DEFAULT_MIN_REFRESH_INTERVAL,
    allowZero: defaults.allowZeroRefreshInterval ?? false,
  });
  if (refreshProblem) {
    throw new InputError(`Invalid refreshInterval: ${refreshProblem}`);
  }

  // the same rules the template's form checks as the user types
  const [problem] = secretsProblems(name, request.secrets);
  if (problem) {
    throw new InputError(`Invalid ${problem.field}: ${problem.message}`);
  }
  const secrets = request.secrets.map((secret, index) => {
    const secretName = validateName(
      'kubernetesObjectName',
      secret?.name,
      `secrets[${index}].name`,
    );
    return {
      name: secretName,
      vaultKey: resolveVaultKey(
        name,
        secretName,
        secret.vaultKey,
        store,
        index,
      ),
      properties: secret.properties.map((mapping, p) => ({
        property: validateName(
          'vaultProperty',
          mapping?.property,
          `secrets[${index}].properties[${p}].property`,
        ),
        secretKey: validateName(
          'secretDataKey',
          mapping?.secretKey,
          `secrets[${index}].properties[${p}].secretKey`,
        ),
      })),
    };
  });

  return {
    name,
    namespace,
    store,
    secrets,
    refreshInterval,
    creationPolicy: oneOf(
      request.creationPolicy,
      CREATION_POLICIES,
      'Owner',
      'creationPolicy',
    ),
    deletionPolicy: oneOf(
      request.deletionPolicy,
      DELETION_POLICIES,
      'Retain',
      'deletionPolicy',
    ),
    reviewerMode: oneOf(
      request.reviewerMode,
      REVIEWER_MODES,
      'reviewer-jwt',
      'reviewerMode',
    ),
  };
}
