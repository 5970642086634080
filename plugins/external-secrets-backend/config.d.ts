export interface Config {
  externalSecrets?: {
    /**
     * Clusters the status backend reads ExternalSecrets, SecretStores, ClusterSecretStores and
     * their Events from (never Secrets). Same shape as the Kubernetes plugin's cluster entries.
     * With none configured the status API answers with no ExternalSecrets.
     */
    clusters?: Array<{
      /** Unique name, shown in the status rows. */
      name: string;
      /**
       * Kubernetes API server URL. Required for `serviceAccount`; overrides the context's server
       * for `kubeconfig`. Must be `https://` unless `allowInsecureHttp` is true.
       */
      url?: string;
      /**
       * Allow a plain `http://` API server (the bearer token travels unencrypted): a local
       * development cluster only. Default false.
       */
      allowInsecureHttp?: boolean;
      /** `serviceAccount` (bearer token, default) or `kubeconfig` (a context of a local kubeconfig, for development). */
      authProvider?: 'serviceAccount' | 'kubeconfig';
      /**
       * Bearer token of a service account bound to the ClusterRole in `deploy/clusterrole.yaml`:
       * list and watch ESO's ExternalSecrets, SecretStores, ClusterSecretStores and Events,
       * patch ExternalSecrets (for "Sync now"); nothing on Secrets.
       * @visibility secret
       */
      serviceAccountToken?: string;
      /**
       * Base64 PEM of the cluster CA (kubeconfig's certificate-authority-data).
       * @visibility secret
       */
      caData?: string;
      /** Path of a PEM file with the cluster CA. */
      caFile?: string;
      /** Skip TLS verification of the API server. Default false; a warning is logged when true. */
      skipTLSVerify?: boolean;
      /** For `kubeconfig`: the kubeconfig file; the default loading rules apply when absent. */
      kubeconfigPath?: string;
      /** For `kubeconfig`: the context to use; the current context when absent. */
      context?: string;
    }>;
    /** "Sync now" (`POST .../refresh`). */
    syncNow?: {
      /**
       * Let service principals (other backends, static tokens) trigger a sync too. Default
       * false: only signed-in users, each checked against `external-secrets.sync.trigger`.
       */
      allowServicePrincipals?: boolean;
    };
  };
}
