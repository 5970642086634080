import type { KvVersion } from '@gitops-secrets/plugin-external-secrets-common';

/**
 * Kind of the store an ExternalSecret reads through: one ClusterSecretStore per service
 * (the workflow's default) or a SecretStore in the service's namespace.
 *
 * @public
 */
export type SecretStoreKind = 'ClusterSecretStore' | 'SecretStore';

/**
 * Where ESO finds the CA that signed Vault's certificate.
 *
 * @public
 */
export interface VaultCaProvider {
  type: 'ConfigMap' | 'Secret';
  name: string;
  key: string;
  /** Required for a ClusterSecretStore; must be absent for a SecretStore. */
  namespace?: string;
}

/**
 * The Vault store of a service, every default already applied.
 *
 * @public
 */
export interface VaultStoreSettings {
  kind: SecretStoreKind;
  name: string;
  /** Vault address as ESO reaches it (`https://...`). */
  server: string;
  /** The KV mount only (`secret`), never with `data/`. */
  kvMount: string;
  kvVersion: KvVersion;
  caProvider?: VaultCaProvider;
  /** Base64 PEM bundle, instead of `caProvider`. */
  caBundle?: string;
  authMount: string;
  role: string;
  /** The account ESO requests a token for (`serviceAccountRef`). */
  serviceAccount: { name: string; namespace?: string };
  /**
   * True when the account is the service's own, rendered with the manifests in the service's
   * namespace; false for a shared account (ESO's own) that config names explicitly.
   */
  serviceAccountPerService: boolean;
  audiences: string[];
}

/**
 * One property of a Vault secret copied into one key of the Kubernetes Secret.
 *
 * @public
 */
export interface SecretPropertyMapping {
  property: string;
  secretKey: string;
}

/**
 * One Vault secret of the service, rendered as one ExternalSecret.
 *
 * @public
 */
export interface ServiceSecret {
  /** Short name (`env-file`): ExternalSecret and target Secret are `<service>-<name>`. */
  name: string;
  /** Key relative to the mount (`example-api/env-file`). */
  vaultKey: string;
  properties: SecretPropertyMapping[];
}

/**
 * Everything the renderer needs, every default already applied.
 *
 * @public
 */
export interface ExternalSecretsManifestSpec {
  /** The service name; also the value of the `backstage.io/kubernetes-id` label. */
  name: string;
  namespace: string;
  store: VaultStoreSettings;
  secrets: ServiceSecret[];
  refreshInterval: string;
  creationPolicy: 'Owner' | 'Orphan' | 'Merge' | 'None';
  deletionPolicy: 'Retain' | 'Delete' | 'Merge';
  /**
   * How the cluster's Vault mount reviews tokens. In `client-jwt` mode Vault sends the
   * logging-in token itself to the TokenReview API, so the store's account gets a
   * ClusterRoleBinding to `system:auth-delegator` with the manifests.
   */
  reviewerMode: 'reviewer-jwt' | 'client-jwt';
}

/**
 * A Kubernetes object as plain JSON data.
 *
 * @public
 */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * One rendered file: its name relative to the target directory, the object it holds and its
 * YAML text.
 *
 * @public
 */
export interface RenderedManifestFile {
  fileName: string;
  object: KubernetesObject;
  content: string;
}
