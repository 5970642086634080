import type { KubernetesObject } from '@kubernetes/client-node';
import type {
  PodSecretUsage,
  StatusCondition,
} from '@gitops-secrets/plugin-external-secrets-common';

/**
 * The parts of an ExternalSecret (external-secrets.io/v1) the status backend reads.
 *
 * @public
 */
export interface ExternalSecretObject extends KubernetesObject {
  spec?: {
    refreshInterval?: string;
    /** `Periodic` (default), `OnChange` or `CreatedOnce` (external-secrets.io/v1) */
    refreshPolicy?: string;
    secretStoreRef?: { kind?: string; name?: string };
    target?: {
      name?: string;
      creationPolicy?: string;
      /** present when the Secret is rendered from a template; its content is not read */
      template?: { engineVersion?: string; type?: string };
    };
    data?: Array<{
      secretKey?: string;
      remoteRef?: { key?: string; property?: string };
    }>;
    dataFrom?: Array<{
      extract?: { key?: string; property?: string };
      find?: {
        path?: string;
        name?: { regexp?: string };
        tags?: Record<string, string>;
      };
    }>;
  };
  status?: {
    conditions?: StatusCondition[];
    refreshTime?: string | null;
    syncedResourceVersion?: string;
    binding?: { name?: string };
  };
}

/**
 * The parts of a ClusterSecretStore or SecretStore the status backend reads.
 *
 * @public
 */
export interface SecretStoreObject extends KubernetesObject {
  spec?: {
    provider?: {
      vault?: {
        server?: string;
        path?: string;
        version?: string;
        namespace?: string;
        caBundle?: string;
        caProvider?: {
          type?: string;
          name?: string;
          key?: string;
          namespace?: string;
        };
        auth?: {
          /** token auth: the Secret holding a Vault token (its value is never read) */
          tokenSecretRef?: { name?: string; key?: string; namespace?: string };
          kubernetes?: {
            mountPath?: string;
            role?: string;
            serviceAccountRef?: {
              name?: string;
              namespace?: string;
              audiences?: string[];
            };
          };
        };
      };
    };
    /** ClusterSecretStore only: the namespaces allowed to use it */
    conditions?: Array<{
      namespaces?: string[];
      namespaceRegexes?: string[];
      namespaceSelector?: unknown;
    }>;
  };
  status?: { conditions?: StatusCondition[] };
}

/**
 * The parts of a ClusterExternalSecret (external-secrets.io/v1) the status backend reads.
 *
 * @public
 */
export interface ClusterExternalSecretObject extends KubernetesObject {
  spec?: {
    externalSecretName?: string;
    namespaces?: string[];
    namespaceSelector?: unknown;
    namespaceSelectors?: unknown[];
    refreshInterval?: string;
    externalSecretMetadata?: {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    externalSecretSpec?: ExternalSecretObject['spec'];
  };
  status?: {
    externalSecretName?: string;
    provisionedNamespaces?: string[];
    failedNamespaces?: Array<{ namespace?: string; reason?: string }>;
    conditions?: Array<{ type?: string; status?: string; message?: string }>;
  };
}

/**
 * The parts of a PushSecret (external-secrets.io/v1alpha1) the status backend reads.
 *
 * @public
 */
export interface PushSecretObject extends KubernetesObject {
  spec?: {
    refreshInterval?: string;
    updatePolicy?: string;
    deletionPolicy?: string;
    secretStoreRefs?: Array<{
      name?: string;
      kind?: string;
      labelSelector?: unknown;
    }>;
    selector?: { secret?: { name?: string } };
    data?: Array<{
      match?: {
        secretKey?: string;
        remoteRef?: { remoteKey?: string; property?: string };
      };
    }>;
  };
  status?: {
    conditions?: StatusCondition[];
    refreshTime?: string | null;
    syncedResourceVersion?: string;
    /** `<Kind>/<store>` → `<remoteKey>[/<property>]` → the data entry pushed there */
    syncedPushSecrets?: Record<string, Record<string, unknown>>;
  };
}

/**
 * A core/v1 Event as the status backend reads it.
 *
 * @public
 */
export interface EventObject extends KubernetesObject {
  involvedObject?: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
  };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | Date | null;
  lastTimestamp?: string | Date | null;
  eventTime?: string | Date | null;
  series?: { lastObservedTime?: string | Date | null };
}

/**
 * A Pod as the cluster cache keeps it: name, namespace and resource version, and `usage` (owner,
 * start time, container names and the Secrets it references). The rest of the spec and status is
 * dropped as the Pod enters the cache.
 *
 * @public
 */
export interface PodObject extends KubernetesObject {
  usage?: PodSecretUsage;
}

/**
 * The kinds of object a cluster cache holds.
 *
 * @public
 */
export type CachedResource =
  | 'ExternalSecret'
  | 'ClusterSecretStore'
  | 'SecretStore'
  | 'ClusterExternalSecret'
  | 'PushSecret'
  | 'Event'
  | 'Pod';
