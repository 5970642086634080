import Typography from '@material-ui/core/Typography';
import type { Entity } from '@backstage/catalog-model';
import { entityLabelSelector } from '@gitops-secrets/plugin-external-secrets-common';

/** The entity is annotated but no cluster holds a matching ExternalSecret. */
export function NothingFound(props: { entity: Entity }) {
  const selector = entityLabelSelector(props.entity);
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
