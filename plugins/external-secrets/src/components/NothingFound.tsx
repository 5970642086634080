import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_GITOPS_SOURCE,
  entityLabelSelector,
  worstState,
  type EntityExternalSecretsStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import { OverallStateChip } from './OverallStateChip';

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
export function NothingFound(props: {
  entity: Entity;
  /** the answer, for the entity's other kinds (ClusterExternalSecrets, PushSecrets) */
  status?: EntityExternalSecretsStatus;
}) {
  const selector = entityLabelSelector(props.entity);
  const others = [
    ...(props.status?.clusterExternalSecrets ?? []),
    ...(props.status?.pushSecrets ?? []),
  ];
  if (others.length > 0) {
    const kinds = [
      props.status?.clusterExternalSecrets?.length && 'ClusterExternalSecrets',
      props.status?.pushSecrets?.length && 'PushSecrets',
    ]
      .filter(Boolean)
      .join(' and ');
    // Not "nothing found": the entity has no ExternalSecret of its own, but ESO objects of
    // the other kinds, listed below. Their worst state stands for the entity's, so a failing
    // PushSecret alone is not shown as "nothing to see".
    return (
      <div>
        <Box display="flex" alignItems="center" gridGap={12} mb={1}>
          <OverallStateChip state={worstState(others.map(o => o.state))} />
        </Box>
        <Typography variant="body2" color="textSecondary">
          No ExternalSecret of this entity’s own (label <code>{selector}</code>
          ); its {kinds} are listed below.
        </Typography>
      </div>
    );
  }
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
