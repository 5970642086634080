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
import { NameCell, SummaryCell } from './ExternalSecretCells';
import { SyncNowButton } from './SyncNowButton';
import { NO_FILTER, filterExternalSecrets } from './filterExternalSecrets';

// Few columns, so the table fits a laptop screen beside Backstage's sidebar: store, target
// Secret, remote refs, refresh interval and the raw conditions live in the expanded row.
const COLUMNS = ['ExternalSecret', 'State', 'Summary', 'Last sync'];

const useStyles = makeStyles({
  table: { tableLayout: 'auto', width: '100%' },
  top: { verticalAlign: 'top' },
  // room for a usual name on one line; a very long one wraps at its hyphens
  name: { verticalAlign: 'top', minWidth: 220, overflowWrap: 'break-word' },
  // the summary takes the remaining width and wraps between words
  summary: { verticalAlign: 'top', width: '100%', overflowWrap: 'break-word' },
  short: { verticalAlign: 'top', whiteSpace: 'nowrap' },
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
  /** the backend offers "Restart workload" and the user holds its permission */
  restartAllowed?: boolean;
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
        <Table
          size="small"
          className={classes.table}
          aria-label="ExternalSecrets across clusters"
        >
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox">
                <span hidden>Details</span>
              </TableCell>
              {COLUMNS.map(column => (
                <TableCell key={column} className={classes.short}>
                  {column}
                </TableCell>
              ))}
              {props.syncAllowed && (
                <TableCell className={classes.short}>Actions</TableCell>
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
                    <TableCell padding="checkbox" className={classes.top}>
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
                    <TableCell className={classes.name}>
                      <NameCell externalSecret={es} />
                    </TableCell>
                    <TableCell className={classes.short}>
                      <SyncStateLabel state={es.state} />
                    </TableCell>
                    <TableCell className={classes.summary}>
                      <SummaryCell externalSecret={es} />
                    </TableCell>
                    <TableCell className={classes.short}>
                      <LastSyncTime time={es.lastSyncTime} />
                    </TableCell>
                    {props.syncAllowed && (
                      <TableCell className={classes.top}>
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
                        <ExternalSecretDetails
                          externalSecret={es}
                          restart={
                            props.restartAllowed
                              ? {
                                  entityRef: props.entityRef,
                                  onRequested: props.onSyncRequested,
                                }
                              : undefined
                          }
                        />
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
