import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_GITOPS_SOURCE,
  entityLabelSelector,
} from '@gitops-secrets/plugin-external-secrets-common';

/** "pull request #12" for a GitHub-style pull request URL; undefined for anything else. */
function pullRequestName(url: string): string | undefined {
  const number = /\/pulls?\/(\d+)\/?(?:[?#].*)?$/.exec(url)?.[1];
  return number ? `pull request #${number}` : undefined;
}

/**
 * The entity is annotated but no cluster holds a matching ExternalSecret. When the entity
 * names the GitOps change that adds them (the template sets the annotation to its pull
 * request), nothing is wrong yet: the change is waiting to be merged and synced.
 */
export function NothingFound(props: { entity: Entity }) {
  const selector = entityLabelSelector(props.entity);
  const source = props.entity.metadata.annotations?.[ANNOTATION_GITOPS_SOURCE];
  if (source) {
    const pr = pullRequestName(source);
    return (
      <div>
        <Typography variant="subtitle1">
          Waiting for the GitOps <Link to={source}>{pr ?? 'change'}</Link> to be
          merged and synced.
        </Typography>
        <Typography variant="body2" color="textSecondary">
          It holds this entity’s ExternalSecrets. They appear here once the
          GitOps tool (e.g. Argo CD) has applied them to a cluster, matched by
          the label <code>{selector}</code>.
        </Typography>
      </div>
    );
  }
  return (
    <div>
      <Typography variant="subtitle1">
        No ExternalSecrets found for this entity in any cluster.
      </Typography>
      <Typography variant="body2" color="textSecondary">
        ExternalSecrets are matched by the label selector{' '}
        <code>{selector}</code>. Create them with the “New service with secrets”
        template, or add this label to existing ones.
      </Typography>
    </div>
  );
}
