import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
} from './constants';

/**
 * True when the entity says how to find its objects in Kubernetes: a
 * `backstage.io/kubernetes-id` or a `backstage.io/kubernetes-label-selector` annotation with a
 * non-blank value.
 *
 * @public
 */
export function isExternalSecretsAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return [ANNOTATION_KUBERNETES_ID, ANNOTATION_KUBERNETES_LABEL_SELECTOR].some(
    key => (annotations[key] ?? '').trim() !== '',
  );
}

/**
 * The Kubernetes label selector that finds an entity's ExternalSecrets, or undefined when the
 * entity is not annotated. The explicit selector annotation wins over the id.
 *
 * @public
 */
export function entityLabelSelector(entity: Entity): string | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const selector = annotations[ANNOTATION_KUBERNETES_LABEL_SELECTOR]?.trim();
  if (selector) {
    return selector;
  }
  const id = annotations[ANNOTATION_KUBERNETES_ID]?.trim();
  return id ? `${ANNOTATION_KUBERNETES_ID}=${id}` : undefined;
}
