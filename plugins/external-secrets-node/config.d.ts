export interface Config {
  externalSecrets?: {
    /**
     * The clusters, read once by `readClusterConfigs` for every package: the status backend
     * reads ExternalSecrets, SecretStores, ClusterSecretStores and their Events from them (never
     * Secrets), and the scaffolder actions take a cluster by its name and use its URL, CA and
     * Vault auth mount. Same shape as the Kubernetes plugin's cluster entries. With none
     * configured the status API answers with no ExternalSecrets.
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
      /**
       * The cluster's Kubernetes auth mount in Vault (the `auth.kubernetes.mountPath` of its
       * stores). Default: `externalSecrets.vault.kubernetesAuth.mountPath` with the cluster's
       * name, `kubernetes-<name>`. Set `kubernetes` for a single cluster onboarded before one
       * mount per cluster. Two clusters cannot share a mount.
       */
      vaultAuthMount?: string;
    }>;
    /**
     * The Vault server the scaffolder actions write to and the status backend reads
     * configuration from. Absent: the Vault actions are registered but refuse to run.
     */
    vault?: {
      /**
       * Vault's address, e.g. `https://vault.example.com:8200`. Must be HTTPS unless
       * `allowInsecureHttp` is true.
       */
      baseUrl: string;
      /** Allow a plain `http://` baseUrl (local development only). Default false. */
      allowInsecureHttp?: boolean;
      /** PEM bundle of the CA that signed Vault's certificate. */
      caData?: string;
      /** Path to a PEM file of the CA that signed Vault's certificate. */
      caFile?: string;
      /** Vault Enterprise namespace, sent as `X-Vault-Namespace`. */
      namespace?: string;
      /** Per-request timeout: milliseconds, or a duration such as `10s`. Default `10s`. */
      timeout?: number | string;
      /** Retries after a 5xx, 429 or network error. Default 3. */
      maxRetries?: number;
      /** Base delay in milliseconds of the exponential backoff (with jitter). Default 200. */
      retryBaseDelayMs?: number;
      /** The KV mount holding service secrets. Default `secret`. */
      kvMount?: string;
      /** KV version of `kvMount` (1 or 2); detected from Vault when absent. */
      kvVersion?: number | string;
      /** How the backend authenticates to Vault. */
      auth:
        | {
            type: 'token';
            /**
             * A Vault token.
             * @visibility secret
             */
            token: string;
          }
        | {
            type: 'kubernetes';
            /** The Vault role to log in with. */
            role: string;
            /** Mount path of the Kubernetes auth method. Default `kubernetes`. */
            mountPath?: string;
            /** The service-account token file. Default the pod's projected token. */
            tokenPath?: string;
          }
        | {
            type: 'approle';
            /** Mount path of the AppRole auth method. Default `approle`. */
            mountPath?: string;
            /** The AppRole role id. */
            roleId: string;
            /**
             * The AppRole secret id.
             * @visibility secret
             */
            secretId: string;
          };
      /**
       * The Kubernetes auth mounts of the clusters (the rest of `kubernetesAuth` belongs to
       * `vault:kubernetes-auth:configure`, in the scaffolder module's schema).
       */
      kubernetesAuth?: {
        /**
         * Auth mount per cluster; `{cluster}` is the name in `externalSecrets.clusters`.
         * Default `kubernetes-{cluster}`.
         */
        mountPath?: string;
      };
    };
    /**
     * The cluster manifests (the rest of this section belongs to
     * `external-secrets:cluster-manifests:create`, in the scaffolder module's schema).
     */
    clusterManifests?: {
      /** The External Secrets Operator the clusters run. */
      eso?: {
        /**
         * Namespace ESO is installed in (created by Argo CD).
         * @default external-secrets
         */
        namespace?: string;
        /**
         * ESO's own service account: in client-JWT mode the cluster manifests bind it to
         * `system:auth-delegator`, since Vault reviews its logins with its own token, and the
         * status backend's cluster card checks that binding.
         * @default external-secrets
         */
        serviceAccount?: string;
      };
    };
  };
}
