export interface Config {
  externalSecrets?: {
    /**
     * What the scaffolder actions may write to Vault (the connection itself is the node
     * package's `externalSecrets.vault`).
     */
    vault?: {
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
    /**
     * Settings of the `external-secrets:cluster-manifests:create` scaffolder action: the
     * one-time GitOps files of a cluster (ESO's Argo CD Application, the token reviewer
     * account, the `vault-ca` ConfigMap). Templates choose only the cluster and reviewer mode;
     * what is installed comes from here.
     */
    clusterManifests?: {
      /**
       * Workspace directory of a cluster's files; `{cluster}` is replaced by its name.
       * @default clusters/{cluster}/platform
       */
      targetPath?: string;
      /** Where the ESO Application lives and what it deploys to. */
      argocd?: {
        /**
         * Namespace of Argo CD's Application objects.
         * @default argocd
         */
        namespace?: string;
        /** @default default */
        project?: string;
        /**
         * `spec.destination.server` of the ESO Application (an Argo CD running in the
         * cluster itself). Set this or `destinationName`, not both.
         * @default https://kubernetes.default.svc
         */
        destinationServer?: string;
        /**
         * `spec.destination.name` (a central Argo CD that knows the cluster by name); `{cluster}`
         * is replaced by the cluster's name.
         */
        destinationName?: string;
      };
      /** The External Secrets Operator Helm chart the Application installs. */
      eso?: {
        /**
         * Exact chart version (`2.9.0`); a range would let Argo CD upgrade ESO without review.
         * Required for the action.
         */
        chartVersion?: string;
        /**
         * Helm chart repository (https:// or oci://).
         * @default https://charts.external-secrets.io
         */
        chartRepository?: string;
        /** @default external-secrets */
        chart?: string;
        // namespace and serviceAccount (ESO's own account) are declared by the node package,
        // which reads them for this module and for the status backend
        /** Helm values of the chart, written as the Application's `helm.valuesObject`. */
        values?: { [key: string]: any };
      };
      /** The token reviewer account rendered in reviewer-JWT mode. */
      reviewer?: {
        /** @default vault-auth */
        namespace?: string;
        /** @default vault-auth */
        serviceAccount?: string;
      };
    };
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
