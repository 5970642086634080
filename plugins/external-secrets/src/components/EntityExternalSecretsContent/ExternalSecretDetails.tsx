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
import { makeStyles } from '@material-ui/core/styles';
import type { ReactNode } from 'react';
import { LastSyncTime } from '../LastSyncTime';
import { orderedFindings } from '../findings';
import {
  RemoteRefsList,
  StoreFact,
  TargetSecretFact,
} from './ExternalSecretCells';
import { ConsumersFact } from './ConsumersFact';
import { FreshnessFact } from './FreshnessFact';
import { SecretChain } from './SecretChain';
import { SyncHistoryTimeline } from './SyncHistoryTimeline';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0, overflowWrap: 'break-word' },
  },
}));

/**
 * What the store's own condition means for this row. ESO's "store validated" only says the
 * store could build a client; it does not prove that this ExternalSecret's role can log in or
 * read its paths, so it must not read as an all-clear next to a failure.
 */
export function storeNote(es: ExternalSecretStatus): string | undefined {
  const { store } = es;
  if (!store.found) {
    return `The ${store.kind} does not exist in the cluster.`;
  }
  if (store.ready === false) {
    return store.message
      ? `The store is not ready: ${store.message}`
      : 'The store is not ready.';
  }
  if (store.ready && es.state === 'Error') {
    return "The store's own check passed, but that check does not prove this ExternalSecret's role can log in to Vault and read its paths: see the findings.";
  }
  return undefined;
}

function Fact(props: { label: string; children: ReactNode }) {
  return (
    <>
      <Typography variant="body2" component="dt">
        {props.label}
      </Typography>
      <Typography variant="body2" component="dd">
        {props.children}
      </Typography>
    </>
  );
}

/** The expanded row: what is wrong and how to fix it, the raw conditions, and the chain. */
export function ExternalSecretDetails(props: {
  externalSecret: ExternalSecretStatus;
  /** set when the user may restart the Secret's consumers */
  restart?: { entityRef: string; onRequested: () => void };
}) {
  const classes = useStyles();
  const es = props.externalSecret;
  const findings = orderedFindings(es);
  const note = storeNote(es);
  return (
    <Box
      p={2}
      component="section"
      aria-label={`Details of ${es.cluster}/${es.namespace}/${es.name}`}
    >
      <Typography variant="h6" component="h3">
        Findings
      </Typography>
      {findings.length === 0 ? (
        <Typography variant="body2">No problem found.</Typography>
      ) : (
        findings.map(finding => (
          <Box key={finding.code} mb={1}>
            <Alert severity={finding.severity}>
              <AlertTitle>{finding.summary}</AlertTitle>
              <strong>Fix:</strong> {finding.fix}
            </Alert>
          </Box>
        ))
      )}

      <Box mt={2}>
        <Typography variant="h6" component="h3">
          Sync
        </Typography>
        <dl className={classes.facts} aria-label={`Sync of ${es.name}`}>
          <Fact label="Store">
            <StoreFact externalSecret={es} />
            {note && (
              <Typography variant="body2" component="span" display="block">
                {note}
              </Typography>
            )}
          </Fact>
          <Fact label="Target Secret">
            <TargetSecretFact externalSecret={es} />
          </Fact>
          {(es.consumers || es.consumersError) && (
            <Fact label="Workloads">
              <ConsumersFact externalSecret={es} restart={props.restart} />
            </Fact>
          )}
          <Fact label="Remote refs">
            <RemoteRefsList externalSecret={es} />
          </Fact>
          {es.freshness && (
            <Fact label="Vault versions">
              <FreshnessFact externalSecret={es} />
            </Fact>
          )}
          <Fact label="Refresh interval">{es.refreshInterval ?? '—'}</Fact>
          {es.refreshPolicy && es.refreshPolicy !== 'Periodic' && (
            <Fact label="Refresh policy">{es.refreshPolicy}</Fact>
          )}
          <Fact label="Reason">{es.reason ?? '—'}</Fact>
          <Fact label="Controller message">{es.message ?? '—'}</Fact>
        </dl>
      </Box>

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
