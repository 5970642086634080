import { Link } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from '../LastSyncTime';
import { SecretChain } from './SecretChain';
import { SyncHistoryTimeline } from './SyncHistoryTimeline';

/** The expanded row: what is wrong and how to fix it, the raw conditions, and the chain. */
export function ExternalSecretDetails(props: {
  externalSecret: ExternalSecretStatus;
}) {
  const es = props.externalSecret;
  return (
    <Box
      p={2}
      component="section"
      aria-label={`Details of ${es.cluster}/${es.namespace}/${es.name}`}
    >
      <Typography variant="h6" component="h3">
        Findings
      </Typography>
      {es.findings.length === 0 ? (
        <Typography variant="body2">No problem found.</Typography>
      ) : (
        es.findings.map(finding => (
          <Box key={finding.code} mb={1}>
            <Alert severity={finding.severity}>
              <AlertTitle>{finding.summary}</AlertTitle>
              <strong>Fix:</strong> {finding.fix}
            </Alert>
          </Box>
        ))
      )}
      {es.store.message && (
        <Typography variant="body2">
          Store {es.store.name}: {es.store.message}
        </Typography>
      )}

      <Box mt={2}>
        <Typography variant="h6" component="h3">
          Conditions
        </Typography>
        {es.conditions.length === 0 ? (
          <Typography variant="body2">
            The controller has not reported any condition yet.
          </Typography>
        ) : (
          <Table size="small" aria-label={`Conditions of ${es.name}`}>
            <TableHead>
              <TableRow>
                <TableCell>Type</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Reason</TableCell>
                <TableCell>Message</TableCell>
                <TableCell>Since</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {es.conditions.map(condition => (
                <TableRow key={condition.type}>
                  <TableCell>{condition.type}</TableCell>
                  <TableCell>{condition.status}</TableCell>
                  <TableCell>{condition.reason}</TableCell>
                  <TableCell>{condition.message}</TableCell>
                  <TableCell>
                    <LastSyncTime
                      time={condition.lastTransitionTime}
                      emptyLabel="—"
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Box>

      <SyncHistoryTimeline externalSecret={es} />

      <Box mt={2}>
        <Typography variant="h6" component="h3">
          Chain
        </Typography>
        <SecretChain externalSecret={es} />
        {es.sourceLocation && (
          <Typography variant="body2">
            Manifest in Git:{' '}
            <Link to={es.sourceLocation}>{es.sourceLocation}</Link>
          </Typography>
        )}
      </Box>
    </Box>
  );
}
