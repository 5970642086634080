/**
 * Entity annotation that links a catalog entity to its workloads, shared with Backstage's
 * Kubernetes plugin. ExternalSecrets carry the same value as a label.
 *
 * @public
 */
export const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';

/**
 * Entity annotation holding a Kubernetes label selector, honoured instead of the id annotation
 * when present (same meaning as in Backstage's Kubernetes plugin).
 *
 * @public
 */
export const ANNOTATION_KUBERNETES_LABEL_SELECTOR =
  'backstage.io/kubernetes-label-selector';

/**
 * Entity annotation restricting the lookup to one Kubernetes namespace.
 *
 * @public
 */
export const ANNOTATION_KUBERNETES_NAMESPACE =
  'backstage.io/kubernetes-namespace';

/**
 * Label carried by every object the manifests action renders; its value is the service name
 * (the entity's `backstage.io/kubernetes-id`).
 *
 * @public
 */
export const LABEL_KUBERNETES_ID = ANNOTATION_KUBERNETES_ID;

/**
 * Annotation ESO watches to re-sync an ExternalSecret immediately ("Sync now").
 *
 * @public
 */
export const ANNOTATION_ESO_FORCE_SYNC = 'force-sync';

/**
 * Optional entity annotation pointing at the GitOps pull request or file that holds the
 * service's ExternalSecret manifests; shown as a link by the frontend.
 *
 * @public
 */
export const ANNOTATION_GITOPS_SOURCE = 'gitops-secrets.io/source-location';

/**
 * API group and version of the External Secrets Operator objects we read and render.
 *
 * @public
 */
export const ESO_API_GROUP = 'external-secrets.io';

/** @public */
export const ESO_API_VERSION = `${ESO_API_GROUP}/v1`;

/**
 * The plugin id, used for the backend route (`/api/external-secrets`) and the signal channel.
 *
 * @public
 */
export const EXTERNAL_SECRETS_PLUGIN_ID = 'external-secrets';

/**
 * The signal channel on which the backend announces that an entity's status changed.
 *
 * @public
 */
export function externalSecretsSignalChannel(entityRef: string): string {
  return `${EXTERNAL_SECRETS_PLUGIN_ID}:${entityRef}`;
}
