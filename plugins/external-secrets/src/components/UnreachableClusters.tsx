import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type {
  ClusterStatus,
  ExternalSecretStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import { describeConnectionError } from './describeConnectionError';

function rowsNote(count: number): string {
  if (count === 0) {
    return 'Its ExternalSecrets are not known until it answers.';
  }
  return count === 1
    ? 'Its ExternalSecret below shows the last known state.'
    : `Its ${count} ExternalSecrets below show the last known state.`;
}

/**
 * One warning per cluster the backend cannot read; the rows of the other clusters stay valid,
 * so the user must know which part of the picture is missing or old.
 */
export function UnreachableClusters(props: {
  clusters: ClusterStatus[];
  externalSecrets: ExternalSecretStatus[];
}) {
  const down = props.clusters.filter(c => !c.reachable);
  if (down.length === 0) {
    return null;
  }
  return (
    <>
      {down.map(cluster => {
        const words = cluster.error
          ? describeConnectionError(cluster.error)
          : undefined;
        const rows = props.externalSecrets.filter(
          es => es.cluster === cluster.name,
        ).length;
        return (
          <Box key={cluster.name} mb={1}>
            <Alert
              severity="warning"
              aria-label={`Cluster ${cluster.name} unreachable`}
            >
              Cluster <strong>{cluster.name}</strong> cannot be reached
              {words ? `: ${words}` : ''}. {rowsNote(rows)}
              {cluster.error && (
                <Typography variant="caption" component="div">
                  {words ? 'Error: ' : 'Error from the cluster: '}
                  {cluster.error}
                </Typography>
              )}
            </Alert>
          </Box>
        );
      })}
    </>
  );
}
