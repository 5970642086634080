import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard } from '@backstage/core-components';
import { useEntity, useEntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import Typography from '@material-ui/core/Typography';
import {
  isExternalSecretsAvailable,
  type ExternalSecretStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useExternalSecretsStatus } from '../../hooks/useExternalSecretsStatus';
import { LoadingSkeleton } from '../LoadingSkeleton';
import { NotAnnotated } from '../NotAnnotated';
import { ClusterExternalSecretsList, PushSecretsList } from '../OtherKinds';
import { NothingFound } from '../NothingFound';
import { OverallStateChip } from '../OverallStateChip';
import { StateCounts } from '../StateCounts';
import { StatusErrorPanel } from '../StatusErrorPanel';
import { UnreachableClusters } from '../UnreachableClusters';
import { ExternalSecretListItem } from './ExternalSecretListItem';
import { FirstFinding } from './FirstFinding';

const TITLE = 'External Secrets';

/** "2 workloads need a restart": workloads still running with an old value, over all rows. */
function RestartSummary(props: { externalSecrets: ExternalSecretStatus[] }) {
  const workloads = new Set<string>();
  for (const es of props.externalSecrets) {
    for (const w of es.consumers?.workloads ?? []) {
      if (w.verdict === 'RestartNeeded') {
        workloads.add(`${es.cluster}/${w.namespace}/${w.kind}/${w.name}`);
      }
    }
  }
  if (workloads.size === 0) return null;
  return (
    <Typography variant="body2" role="note" aria-label="Restarts needed">
      {workloads.size === 1
        ? '1 workload needs a restart'
        : `${workloads.size} workloads need a restart`}{' '}
      to pick up a new Secret value
    </Typography>
  );
}

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
        <NothingFound entity={entity} status={status} />
      ) : (
        <>
          <Box display="flex" alignItems="center" gridGap={12} mb={1}>
            <OverallStateChip state={status.overall} />
            <StateCounts counts={status.counts} />
          </Box>
          <RestartSummary externalSecrets={status.externalSecrets} />
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
      <ClusterExternalSecretsList
        clusterExternalSecrets={status.clusterExternalSecrets ?? []}
        showCluster={showCluster}
      />
      <PushSecretsList
        pushSecrets={status.pushSecrets ?? []}
        showCluster={showCluster}
      />
    </InfoCard>
  );
}
