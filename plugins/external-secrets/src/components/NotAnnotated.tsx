import { MissingAnnotationEmptyState } from '@backstage/plugin-catalog-react';
import { ANNOTATION_KUBERNETES_ID } from '@gitops-secrets/plugin-external-secrets-common';

/** Where the annotation that links an entity to its cluster objects is documented. */
export const ANNOTATION_DOCS_URL =
  'https://backstage.io/docs/features/kubernetes/configuration#surfacing-your-kubernetes-components-as-part-of-an-entity';

/** The entity has no `backstage.io/kubernetes-id`: show how to add it. */
export function NotAnnotated() {
  return (
    <MissingAnnotationEmptyState
      annotation={ANNOTATION_KUBERNETES_ID}
      readMoreUrl={ANNOTATION_DOCS_URL}
    />
  );
}
