import Collapse from '@material-ui/core/Collapse';
import IconButton from '@material-ui/core/IconButton';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import ExpandLessIcon from '@material-ui/icons/ExpandLess';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { makeStyles } from '@material-ui/core/styles';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import { Fragment, useState } from 'react';
import { LastSyncTime } from '../LastSyncTime';
import { SyncStateLabel } from '../SyncStateLabel';
import { ExternalSecretDetails } from './ExternalSecretDetails';
import { ExternalSecretsFilterBar } from './ExternalSecretsFilterBar';
import {
  RemoteRefsCell,
  StoreCell,
  TargetSecretCell,
} from './ExternalSecretCells';
import { SyncNowButton } from './SyncNowButton';
import { NO_FILTER, filterExternalSecrets } from './filterExternalSecrets';

const COLUMNS = [
  'Cluster',
  'Namespace',
  'Name',
  'State',
  'Reason',
  'Message',
  'Last sync',
  'Refresh interval',
  'Store',
  'Target Secret',
  'Remote refs',
];

// many narrow columns: keep short values on one line and let the table scroll sideways
const useStyles = makeStyles({
  cell: { whiteSpace: 'nowrap', verticalAlign: 'top' },
  toggle: { verticalAlign: 'top' },
  wrapping: { minWidth: 180, verticalAlign: 'top', overflowWrap: 'anywhere' },
  message: { minWidth: 280, maxWidth: 420, verticalAlign: 'top' },
  // the details stay in view while the wide table scrolls sideways
  details: { position: 'sticky', left: 0, maxWidth: 'calc(100vw - 300px)' },
});

const idOf = (es: ExternalSecretStatus) =>
  `${es.cluster}/${es.namespace}/${es.name}`;

/**
 * All ExternalSecrets of the entity in one filterable table. Open rows are remembered by
 * cluster/namespace/name, so a live update does not close what the user is reading.
 */
export function ExternalSecretsTable(props: {
  entityRef: string;
  externalSecrets: ExternalSecretStatus[];
  clusters: string[];
  syncAllowed: boolean;
  onSyncRequested: () => void;
}) {
  const classes = useStyles();
  const [filter, setFilter] = useState(NO_FILTER);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const rows = filterExternalSecrets(props.externalSecrets, filter);
  const columnCount = COLUMNS.length + 1 + (props.syncAllowed ? 1 : 0);

  const toggle = (id: string) =>
    setOpen(current => {
      const next = new Set(current);
      if (!next.delete(id)) {
        next.add(id);
      }
      return next;
    });

  return (
    <>
      <ExternalSecretsFilterBar
        clusters={props.clusters}
        filter={filter}
        onChange={setFilter}
      />
      <TableContainer>
        <Table size="small" aria-label="ExternalSecrets across clusters">
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox">
                <span hidden>Details</span>
              </TableCell>
              {COLUMNS.map(column => (
                <TableCell key={column} className={classes.cell}>
                  {column}
                </TableCell>
              ))}
              {props.syncAllowed && (
                <TableCell className={classes.cell}>Actions</TableCell>
              )}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.length === 0 && (
              <TableRow>
                <TableCell colSpan={columnCount}>
                  <Typography variant="body2">
                    No ExternalSecret matches the filter.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {rows.map(es => {
              const id = idOf(es);
              const isOpen = open.has(id);
              return (
                <Fragment key={id}>
                  <TableRow hover aria-label={id}>
                    <TableCell padding="checkbox" className={classes.toggle}>
                      <IconButton
                        size="small"
                        aria-label={`${isOpen ? 'Hide' : 'Show'} details of ${
                          es.name
                        } in ${es.cluster}`}
                        aria-expanded={isOpen}
                        onClick={() => toggle(id)}
                      >
                        {isOpen ? <ExpandLessIcon /> : <ExpandMoreIcon />}
                      </IconButton>
                    </TableCell>
                    <TableCell className={classes.cell}>{es.cluster}</TableCell>
                    <TableCell className={classes.cell}>
                      {es.namespace}
                    </TableCell>
                    <TableCell className={classes.cell}>
                      <strong>{es.name}</strong>
                    </TableCell>
                    <TableCell className={classes.cell}>
                      <SyncStateLabel state={es.state} />
                    </TableCell>
                    <TableCell className={classes.cell}>{es.reason}</TableCell>
                    <TableCell className={classes.message}>
                      {es.message}
                    </TableCell>
                    <TableCell className={classes.cell}>
                      <LastSyncTime time={es.lastSyncTime} />
                    </TableCell>
                    <TableCell className={classes.cell}>
                      {es.refreshInterval}
                    </TableCell>
                    <TableCell className={classes.wrapping}>
                      <StoreCell externalSecret={es} />
                    </TableCell>
                    <TableCell className={classes.wrapping}>
                      <TargetSecretCell externalSecret={es} />
                    </TableCell>
                    <TableCell className={classes.wrapping}>
                      <RemoteRefsCell externalSecret={es} />
                    </TableCell>
                    {props.syncAllowed && (
                      <TableCell className={classes.cell}>
                        <SyncNowButton
                          entityRef={props.entityRef}
                          target={{
                            cluster: es.cluster,
                            namespace: es.namespace,
                            name: es.name,
                          }}
                          onRequested={props.onSyncRequested}
                          effect={es.syncNow}
                        />
                      </TableCell>
                    )}
                  </TableRow>
                  <TableRow>
                    <TableCell
                      colSpan={columnCount}
                      style={{ paddingTop: 0, paddingBottom: 0 }}
                    >
                      <Collapse in={isOpen} unmountOnExit>
                        <div className={classes.details}>
                          <ExternalSecretDetails externalSecret={es} />
                        </div>
                      </Collapse>
                    </TableCell>
                  </TableRow>
                </Fragment>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
    </>
  );
}
