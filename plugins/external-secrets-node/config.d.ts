export interface Config {
  externalSecrets?: {
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
      /** Rules for the policies `vault:policy:create` may write. */
      policy?: {
        /** Capabilities a template may grant. Default `['read', 'list']`. */
        allowedCapabilities?: string[];
      };
      /** Defaults of `vault:kubernetes-role:create`, matching the cluster's ESO install. */
      kubernetesRole?: {
        /** Mount path of the Kubernetes auth method. Default `kubernetes`. */
        authMount?: string;
        /** ESO's service account. Default `external-secrets`. */
        serviceAccountName?: string;
        /** ESO's namespace. Default `external-secrets`. */
        serviceAccountNamespace?: string;
        /** Audience ESO's token carries. Default `https://kubernetes.default.svc.cluster.local`. */
        audience?: string;
        /** Token TTL of the role. Default `1h`. */
        ttl?: string;
      };
    };
  };
}
