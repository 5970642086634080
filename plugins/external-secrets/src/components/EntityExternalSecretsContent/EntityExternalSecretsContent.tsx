import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  externalSecretsSyncTriggerPermission,
  externalSecretsWorkloadRestartPermission,
  isExternalSecretsAvailable,
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
import { ExternalSecretsTable } from './ExternalSecretsTable';

/**
 * The "Secrets" tab: every ExternalSecret of the entity across clusters, filterable, with the
 * diagnosis behind each row and "Sync now" for those allowed to trigger it.
 */
export function EntityExternalSecretsContent() {
  const { entity } = useEntity();
  if (!isExternalSecretsAvailable(entity)) {
    return <NotAnnotated />;
  }
  return <AnnotatedEntityContent />;
}

function AnnotatedEntityContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { status, error, loading, retry, live } =
    useExternalSecretsStatus(entityRef);
  const { allowed: syncAllowed } = usePermission({
    permission: externalSecretsSyncTriggerPermission,
  });
  const { allowed: restartPermitted } = usePermission({
    permission: externalSecretsWorkloadRestartPermission,
  });

  if (loading) {
    return <LoadingSkeleton rows={5} />;
  }
  if (error || !status) {
    return (
      <StatusErrorPanel
        error={error ?? new Error('The status backend sent no answer')}
        onRetry={retry}
      />
    );
  }

  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      <Box display="flex" alignItems="center" gridGap={12}>
        <OverallStateChip state={status.overall} />
        <StateCounts counts={status.counts} />
        <Typography variant="caption" color="textSecondary">
          {live ? 'updates live' : 'refreshes every 30 s'}
        </Typography>
      </Box>
      <UnreachableClusters
        clusters={status.clusters}
        externalSecrets={status.externalSecrets}
      />
      {status.externalSecrets.length === 0 ? (
        <NothingFound entity={entity} status={status} />
      ) : (
        <ExternalSecretsTable
          entityRef={entityRef}
          externalSecrets={status.externalSecrets}
          clusters={status.clusters.map(c => c.name)}
          syncAllowed={syncAllowed}
          onSyncRequested={retry}
          restartAllowed={restartPermitted && !!status.workloadRestart}
        />
      )}
      <ClusterExternalSecretsList
        clusterExternalSecrets={status.clusterExternalSecrets ?? []}
        showCluster={status.clusters.length > 1}
        detailed
      />
      <PushSecretsList
        pushSecrets={status.pushSecrets ?? []}
        showCluster={status.clusters.length > 1}
        detailed
      />
    </Box>
  );
}
