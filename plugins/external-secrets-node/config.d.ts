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
      /**
       * The KV paths the scaffolder actions may touch, per mount: a policy's `pathPrefix` must
       * be a root or lie below one, a seeded key must lie below one. `{name}` stands for the
       * service name and must appear in every root. Mounts not listed are refused. Default:
       * `[{ mount: <kvMount>, roots: ['{name}'] }]` (the workflow's `secret/<name>/...`).
       */
      allowedPathRoots?: Array<{
        /** The KV mount, e.g. `secret`. */
        mount: string;
        /** Roots below the mount, e.g. `{name}` or `teams/{name}`. */
        roots: string[];
      }>;
      /** Rules for the policies `vault:policy:create` may write. */
      policy?: {
        /** Capabilities a template may grant. Default `['read', 'list']`. */
        allowedCapabilities?: string[];
      };
      /** Defaults and limits of `vault:kubernetes-role:create`. */
      kubernetesRole?: {
        /** Mount path of the Kubernetes auth method. Default `kubernetes`. */
        authMount?: string;
        /** More auth mounts a template may name (besides `authMount`). */
        allowedAuthMounts?: string[];
        /**
         * Set together with `serviceAccountNamespace` only to bind every role to one shared
         * account, as the seed does with ESO's own (`external-secrets`/`external-secrets`).
         * That gives up tenant isolation: any namespace allowed to create a store that names
         * such a role reads every service's secrets. Unset (the default), each role is bound
         * to the service's own account `external-secrets-<name>` in the service's namespace.
         */
        serviceAccountName?: string;
        /** See `serviceAccountName`. */
        serviceAccountNamespace?: string;
        /**
         * More service accounts a template may bind a role to; `{name}` stands for the
         * service name, e.g. `{ name: 'external-secrets-{name}', namespace: '{name}-staging' }`.
         */
        allowedServiceAccounts?: Array<{ name: string; namespace: string }>;
        /** Audience ESO's token carries. Default `https://kubernetes.default.svc.cluster.local`. */
        audience?: string;
        /** More audiences a template may set (besides `audience`). */
        allowedAudiences?: string[];
        /** Token TTL of the role. Default `1h`. */
        ttl?: string;
      };
      /** Settings of `vault:kubernetes-auth:configure` (onboarding a cluster to Vault). */
      kubernetesAuth?: {
        /**
         * Auth mount per cluster; `{cluster}` is the name in `externalSecrets.clusters`.
         * Default `kubernetes-{cluster}`.
         */
        mountPath?: string;
        /**
         * The clusters' service-account token issuer, written as `issuer`.
         * Default `https://kubernetes.default.svc.cluster.local`.
         */
        issuer?: string;
        /** Written as `disable_iss_validation`. Default false: Vault checks `iss`. */
        disableIssuerValidation?: boolean;
        /**
         * Let `overwrite: true` repoint a mount configured for another API server (which
         * breaks every login of that cluster). Default false.
         */
        allowRepoint?: boolean;
      };
    };
  };
}
