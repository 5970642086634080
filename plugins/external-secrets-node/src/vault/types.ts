/**
 * Vault's response envelope.
 *
 * @public
 */
export interface VaultResponse<T = Record<string, unknown>> {
  request_id?: string;
  data?: T;
  warnings?: string[] | null;
  auth?: Record<string, unknown> | null;
}

/**
 * A Kubernetes auth method's config as Vault returns it (the reviewer JWT itself never is).
 *
 * @public
 */
export interface KubernetesAuthConfigInfo {
  kubernetesHost: string;
  kubernetesCaCert: string;
  issuer: string;
  disableIssValidation: boolean;
  tokenReviewerJwtSet: boolean;
}

/**
 * A Kubernetes auth role.
 *
 * @public
 */
export interface KubernetesRoleInfo {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  audience: string;
  tokenPolicies: string[];
  tokenTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  aliasNameSource?: string;
}

/**
 * Metadata of a KV secret: versions and times, never values.
 *
 * @public
 */
export interface KvMetadataInfo {
  kvVersion: 1 | 2;
  /** 0 on KV v1, which keeps no versions. */
  currentVersion: number;
  createdTime?: string;
  updatedTime?: string;
  versions: Record<
    string,
    { created_time?: string; deletion_time?: string; destroyed?: boolean }
  >;
  customMetadata?: Record<string, string>;
}
