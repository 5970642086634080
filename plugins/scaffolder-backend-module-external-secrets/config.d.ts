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
      /**
       * The shortest `refreshInterval` a template may set: ESO reads Vault that often for
       * every ExternalSecret.
       * @default 1m
       */
      minRefreshInterval?: string;
      /**
       * Accept `refreshInterval: 0` (ESO then syncs once and never refreshes).
       * @default false
       */
      allowZeroRefreshInterval?: boolean;
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
        /**
         * Only to present one shared account (ESO's own, as the seed does) for every store.
         * Unset (the default), each service gets its own ServiceAccount
         * `external-secrets-<name>` in its namespace, rendered with the manifests, and its
         * store's `serviceAccountRef` points at it. A shared account gives up tenant
         * isolation: any namespace that can create a store naming a service's role reads that
         * service's secrets. Templates cannot choose another account.
         */
        serviceAccount?: {
          name?: string;
          /** Required for a ClusterSecretStore. */
          namespace?: string;
        };
        /** Audiences of the token ESO requests; must match the Vault role's audience. */
        audiences?: string[];
      };
    };
  };
}
