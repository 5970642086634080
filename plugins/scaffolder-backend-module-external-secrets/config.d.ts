export interface Config {
  externalSecrets?: {
    /**
     * Defaults of the `external-secrets:manifests:create` scaffolder action. A template input
     * overrides each of them.
     */
    manifests?: {
      /**
       * Directory (relative to the task workspace, and so to the GitOps repository root when the
       * workspace is published as is) the manifests are written to. `{name}` and `{namespace}`
       * are replaced by the service name and namespace.
       * @default apps/{name}/external-secrets
       */
      targetPath?: string;
      /**
       * Accept an `http://` Vault server in rendered stores. Only for local sandboxes: ESO
       * would send service account tokens unencrypted.
       * @default false
       */
      allowInsecureHttp?: boolean;
      /**
       * How often ESO re-reads Vault, as a Go duration.
       * @default 2m
       */
      refreshInterval?: string;
      /** Defaults of the rendered ClusterSecretStore / SecretStore. */
      store?: {
        /** @default ClusterSecretStore */
        kind?: 'ClusterSecretStore' | 'SecretStore';
        /** Vault address as ESO reaches it from inside the cluster (https://). */
        server?: string;
        /**
         * KV mount only, without `data/`.
         * @default secret
         */
        kvMount?: string;
        /** @default 2 */
        kvVersion?: 1 | 2 | '1' | '2' | 'v1' | 'v2';
        /**
         * Mount path of Vault's Kubernetes auth method.
         * @default kubernetes
         */
        authMount?: string;
        /** Where ESO reads the CA that signed Vault's certificate. */
        caProvider?: {
          type?: 'ConfigMap' | 'Secret';
          name?: string;
          key?: string;
          /** Required for a ClusterSecretStore. */
          namespace?: string;
        };
        /** Base64 PEM bundle, used instead of caProvider. */
        caBundle?: string;
        /** The service account ESO presents to Vault. */
        serviceAccount?: {
          /** @default external-secrets */
          name?: string;
          /** @default external-secrets */
          namespace?: string;
        };
        /** Audiences of the token ESO requests; must match the Vault role's audience. */
        audiences?: string[];
      };
    };
  };
}
