import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type {
  ExternalSecretStatus,
  HistoryState,
  SyncState,
} from '@gitops-secrets/plugin-external-secrets-common';
import { SYNC_STATES } from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from '../LastSyncTime';
import { SyncStateLabel } from '../SyncStateLabel';

function StateCell(props: { state?: HistoryState; first?: boolean }) {
  if (!props.state) {
    return <span>{props.first ? 'first seen' : '—'}</span>;
  }
  return SYNC_STATES.includes(props.state as SyncState) ? (
    <SyncStateLabel state={props.state as SyncState} />
  ) : (
    <span>{props.state}</span>
  );
}

/** "Last healthy" in words: now, a relative time, or never within the kept history. */
function LastHealthy(props: { externalSecret: ExternalSecretStatus }) {
  const es = props.externalSecret;
  if (es.state === 'Synced') {
    return <span>now</span>;
  }
  return (
    <LastSyncTime
      time={es.lastHealthyAt}
      emptyLabel="never, as far as the history goes"
    />
  );
}

/**
 * The expanded row's sync history: when the ExternalSecret was last healthy and its last state
 * changes, newest first, each with ESO's reason and the finding diagnosed at the time.
 */
export function SyncHistoryTimeline(props: {
  externalSecret: ExternalSecretStatus;
}) {
  const es = props.externalSecret;
  const transitions = es.transitions;
  return (
    <Box mt={2} component="section" aria-label={`Sync history of ${es.name}`}>
      <Typography variant="h6" component="h3">
        Sync history
      </Typography>
      <Typography variant="body2">
        Last healthy: <LastHealthy externalSecret={es} />
      </Typography>
      {!transitions && (
        <Typography variant="body2">
          The sync history is not available right now.
        </Typography>
      )}
      {transitions && transitions.length === 0 && (
        <Typography variant="body2">No state change recorded yet.</Typography>
      )}
      {transitions && transitions.length > 0 && (
        <Table size="small" aria-label={`State changes of ${es.name}`}>
          <TableHead>
            <TableRow>
              <TableCell>When</TableCell>
              <TableCell>From</TableCell>
              <TableCell>To</TableCell>
              <TableCell>Reason</TableCell>
              <TableCell>Finding</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {transitions.map((t, index) => (
              <TableRow key={`${t.at}-${t.to}-${index}`}>
                <TableCell>
                  <LastSyncTime time={t.at} />
                </TableCell>
                <TableCell>
                  <StateCell state={t.from} first />
                </TableCell>
                <TableCell>
                  <StateCell state={t.to} />
                </TableCell>
                <TableCell>{t.reason ?? '—'}</TableCell>
                <TableCell>{t.findingCode ?? '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}
