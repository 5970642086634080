import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { ClusterStatus } from '@gitops-secrets/plugin-external-secrets-common';

/**
 * One warning per cluster the backend cannot read; the rows of the other clusters stay valid,
 * so the user must know which part of the picture is missing.
 */
export function UnreachableClusters(props: { clusters: ClusterStatus[] }) {
  const down = props.clusters.filter(c => !c.reachable);
  if (down.length === 0) {
    return null;
  }
  return (
    <>
      {down.map(cluster => (
        <Box key={cluster.name} mb={1}>
          <Alert severity="warning">
            Cluster <strong>{cluster.name}</strong> is unreachable
            {cluster.error ? `: ${cluster.error}` : ''}. Its ExternalSecrets are
            not shown.
          </Alert>
        </Box>
      ))}
    </>
  );
}
