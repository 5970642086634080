import type { Config } from '@backstage/config';
import type {
  ExternalSecretsManifestDefaults,
  VaultStoreRequest,
} from '@gitops-secrets/plugin-external-secrets-node';
import { ClusterMounts, readClusterMounts } from './clusterMounts';

/** Default directory of the rendered manifests, before `{name}`/`{namespace}` substitution. */
export const DEFAULT_MANIFESTS_TARGET_PATH = 'apps/{name}/external-secrets';

/** The action's configured defaults, read once when the action is created. */
export interface ManifestsActionSettings {
  targetPath: string;
  defaults: ExternalSecretsManifestDefaults;
  /** The auth mount of each configured cluster: a store's mount when a step names a `cluster`. */
  clusterMounts: ClusterMounts;
}

function readStore(config: Config | undefined): VaultStoreRequest | undefined {
  if (!config) {
    return undefined;
  }
  const caProvider = config.getOptionalConfig('caProvider');
  const serviceAccount = config.getOptionalConfig('serviceAccount');
  const kvVersion = config.getOptional('kvVersion');
  return {
    kind: config.getOptionalString('kind'),
    server: config.getOptionalString('server'),
    kvMount: config.getOptionalString('kvMount'),
    kvVersion:
      kvVersion === undefined ? undefined : String(kvVersion as string),
    authMount: config.getOptionalString('authMount'),
    caBundle: config.getOptionalString('caBundle'),
    caProvider: caProvider && {
      type: caProvider.getOptionalString('type') as 'ConfigMap' | 'Secret',
      name: caProvider.getOptionalString('name'),
      key: caProvider.getOptionalString('key'),
      namespace: caProvider.getOptionalString('namespace'),
    },
    serviceAccount: serviceAccount && {
      name: serviceAccount.getOptionalString('name'),
      namespace: serviceAccount.getOptionalString('namespace'),
    },
    audiences: config.getOptionalStringArray('audiences'),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/**
 * Reads `externalSecrets.manifests`, and the auth mounts of `externalSecrets.clusters`, from
 * the app config.
 */
export function readManifestsActionSettings(
  config: Config,
): ManifestsActionSettings {
  const manifests = config.getOptionalConfig('externalSecrets.manifests');
  return {
    targetPath:
      manifests?.getOptionalString('targetPath') ??
      DEFAULT_MANIFESTS_TARGET_PATH,
    defaults: withoutUndefined({
      allowInsecureHttp:
        manifests?.getOptionalBoolean('allowInsecureHttp') ?? false,
      refreshInterval: manifests?.getOptionalString('refreshInterval'),
      minRefreshInterval: manifests?.getOptionalString('minRefreshInterval'),
      allowZeroRefreshInterval: manifests?.getOptionalBoolean(
        'allowZeroRefreshInterval',
      ),
      store: readStore(manifests?.getOptionalConfig('store')),
    }),
    clusterMounts: readClusterMounts(config),
  };
}
