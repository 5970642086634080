import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard } from '@backstage/core-components';
import { useEntity, useEntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import { isExternalSecretsAvailable } from '@gitops-secrets/plugin-external-secrets-common';
import { useExternalSecretsStatus } from '../../hooks/useExternalSecretsStatus';
import { LoadingSkeleton } from '../LoadingSkeleton';
import { NotAnnotated } from '../NotAnnotated';
import { NothingFound } from '../NothingFound';
import { OverallStateChip } from '../OverallStateChip';
import { StateCounts } from '../StateCounts';
import { StatusErrorPanel } from '../StatusErrorPanel';
import { UnreachableClusters } from '../UnreachableClusters';
import { ExternalSecretListItem } from './ExternalSecretListItem';
import { FirstFinding } from './FirstFinding';

const TITLE = 'External Secrets';

/**
 * Overview card: does this entity's configuration from Vault reach its cluster, and if not,
 * what to fix first.
 */
export function EntityExternalSecretsCard() {
  const { entity } = useEntity();
  if (!isExternalSecretsAvailable(entity)) {
    return (
      <InfoCard title={TITLE}>
        <NotAnnotated />
      </InfoCard>
    );
  }
  return <AnnotatedEntityCard />;
}

function AnnotatedEntityCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const entityLink = useEntityRefLink();
  const { status, error, loading, retry } = useExternalSecretsStatus(entityRef);
  const deepLink = {
    title: 'Open the Secrets tab',
    link: `${entityLink(entity)}/secrets`,
  };

  if (loading) {
    return (
      <InfoCard title={TITLE}>
        <LoadingSkeleton />
      </InfoCard>
    );
  }
  if (error || !status) {
    return (
      <InfoCard title={TITLE}>
        <StatusErrorPanel
          error={error ?? new Error('The status backend sent no answer')}
          onRetry={retry}
        />
      </InfoCard>
    );
  }

  const showCluster = new Set(status.clusters.map(c => c.name)).size > 1;
  return (
    <InfoCard title={TITLE} deepLink={deepLink}>
      <UnreachableClusters
        clusters={status.clusters}
        externalSecrets={status.externalSecrets}
      />
      {status.externalSecrets.length === 0 ? (
        <NothingFound entity={entity} />
      ) : (
        <>
          <Box display="flex" alignItems="center" gridGap={12} mb={1}>
            <OverallStateChip state={status.overall} />
            <StateCounts counts={status.counts} />
          </Box>
          <List dense aria-label="ExternalSecrets">
            {status.externalSecrets.map(es => (
              <ExternalSecretListItem
                key={`${es.cluster}/${es.namespace}/${es.name}`}
                externalSecret={es}
                showCluster={showCluster}
              />
            ))}
          </List>
          <FirstFinding externalSecrets={status.externalSecrets} />
        </>
      )}
    </InfoCard>
  );
}
