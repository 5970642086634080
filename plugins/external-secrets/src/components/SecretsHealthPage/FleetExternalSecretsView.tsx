import { parseEntityRef } from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink, entityRouteRef } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TablePagination from '@material-ui/core/TablePagination';
import TableRow from '@material-ui/core/TableRow';
import TableSortLabel from '@material-ui/core/TableSortLabel';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  SYNC_STATES,
  type FleetClaimStatus,
  type FleetExternalSecret,
  type FleetExternalSecretsPage,
  type FleetExternalSecretsQuery,
  type FleetSortKey,
  type SyncState,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useEffect, useId, useMemo, useState } from 'react';
import { LastSyncTime } from '../LastSyncTime';
import { LoadingSkeleton } from '../LoadingSkeleton';
import { stateLabel } from '../stateLabel';
import { SyncStateLabel } from '../SyncStateLabel';
import { describeConnectionError } from '../describeConnectionError';
import { FleetErrorPanel } from './FleetErrorPanel';
import { useFleetQuery } from './useFleetQuery';

/** What the user picked in the filter bar; '' means "any". */
export interface FleetFilter {
  cluster: string;
  namespace: string;
  state: '' | SyncState;
  finding: string;
  owner: string;
  claim: '' | FleetClaimStatus;
  search: string;
}

const EMPTY_FILTER: FleetFilter = {
  cluster: '',
  namespace: '',
  state: '',
  finding: '',
  owner: '',
  claim: '',
  search: '',
};

/** Typing in a text filter asks the backend once the user pauses. */
const TEXT_DEBOUNCE_MS = 300;

const CLAIM_LABEL: Record<FleetClaimStatus, string> = {
  claimed: 'claimed by an entity',
  hidden: 'claimed, not visible to you',
  unclaimed: 'unclaimed',
};

const COLUMNS: Array<{ key: FleetSortKey; label: string }> = [
  { key: 'state', label: 'State' },
  { key: 'cluster', label: 'Cluster' },
  { key: 'namespace', label: 'Namespace' },
  { key: 'name', label: 'Name' },
  { key: 'owner', label: 'Owner' },
  { key: 'finding', label: 'First finding' },
  { key: 'lastSync', label: 'Last sync' },
];

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function toQuery(
  filter: FleetFilter,
  sort: FleetSortKey,
  order: 'asc' | 'desc',
  page: number,
  rowsPerPage: number,
): FleetExternalSecretsQuery {
  const one = <T extends string>(value: T | ''): T[] | undefined =>
    value ? [value] : undefined;
  return {
    cluster: one(filter.cluster),
    namespace: one(filter.namespace.trim()),
    state: one(filter.state),
    finding: one(filter.finding),
    owner: one(filter.owner),
    claim: one(filter.claim),
    search: filter.search.trim() || undefined,
    sort,
    order,
    offset: page * rowsPerPage,
    limit: rowsPerPage,
  };
}

/** "Payments team" for `group:default/payments-team` is not known here; show the ref's name. */
function OwnerCell(props: { item: FleetExternalSecret }) {
  const entityRoute = useRouteRef(entityRouteRef);
  const { claim } = props.item;
  if (claim.status === 'unclaimed') {
    const labels = Object.entries(props.item.labels);
    return (
      <Box>
        <Typography variant="body2" color="textSecondary">
          unclaimed — no catalog entity selects it
        </Typography>
        <Box display="flex" flexWrap="wrap" gridGap={4} mt={0.5}>
          {labels.length === 0 ? (
            <Typography variant="caption">no labels</Typography>
          ) : (
            labels.map(([key, value]) => (
              <Chip
                key={key}
                size="small"
                variant="outlined"
                label={`${key}=${value}`}
              />
            ))
          )}
        </Box>
      </Box>
    );
  }
  if (claim.status === 'hidden') {
    return (
      <Typography variant="body2" color="textSecondary">
        claimed by an entity you may not see
      </Typography>
    );
  }
  const entity = parseEntityRef(claim.entityRef);
  return (
    <Box>
      <Link
        to={`${entityRoute({
          kind: entity.kind,
          namespace: entity.namespace,
          name: entity.name,
        })}/secrets`}
      >
        {entity.name}
      </Link>
      {claim.ownerRef && (
        <Typography variant="caption" component="div">
          owner <EntityRefLink entityRef={claim.ownerRef} />
        </Typography>
      )}
      {claim.alsoClaimedBy && (
        <Typography variant="caption" component="div">
          and {claim.alsoClaimedBy} more
        </Typography>
      )}
    </Box>
  );
}

/** One warning per cluster the backend cannot read, with how many rows are last known. */
export function UnreachableClusters(props: {
  page: { clusters: FleetExternalSecretsPage['clusters'] } & {
    facets?: FleetExternalSecretsPage['facets'];
  };
}) {
  const down = props.page.clusters.filter(c => !c.reachable);
  return (
    <>
      {down.map(cluster => {
        const rows =
          props.page.facets?.clusters.find(c => c.value === cluster.name)
            ?.count ?? 0;
        return (
          <Alert
            key={cluster.name}
            severity="warning"
            aria-label={`Cluster ${cluster.name} unreachable`}
          >
            Cluster <strong>{cluster.name}</strong> cannot be reached
            {cluster.error
              ? `: ${describeConnectionError(cluster.error) ?? cluster.error}`
              : ''}
            .{' '}
            {rows > 0
              ? `Its ${rows} ExternalSecrets show their last known state.`
              : 'Its ExternalSecrets are not known until it answers.'}
          </Alert>
        );
      })}
    </>
  );
}

function Counts(props: {
  page: FleetExternalSecretsPage;
  onState: (state: '' | SyncState) => void;
  onUnclaimed: () => void;
}) {
  const { counts } = props.page;
  return (
    <Box
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      gridGap={8}
      aria-label="Fleet counts"
    >
      <Chip
        label={`${counts.total} ExternalSecrets`}
        onClick={() => props.onState('')}
      />
      {SYNC_STATES.filter(state => counts.byState[state] > 0).map(state => (
        <Chip
          key={state}
          variant="outlined"
          label={`${counts.byState[state]} ${stateLabel(state)}`}
          onClick={() => props.onState(state)}
        />
      ))}
      {counts.byClaim.unclaimed > 0 && (
        <Chip
          variant="outlined"
          label={`${counts.byClaim.unclaimed} unclaimed`}
          onClick={props.onUnclaimed}
        />
      )}
    </Box>
  );
}

function FilterBar(props: {
  page?: FleetExternalSecretsPage;
  filter: FleetFilter;
  onChange: (filter: FleetFilter) => void;
}) {
  const { filter, onChange, page } = props;
  const id = useId();
  const select = (
    key: keyof FleetFilter,
    label: string,
    all: string,
    options: Array<{ value: string; label: string }>,
  ) => (
    <TextField
      select
      id={`${id}-${key}`}
      label={label}
      value={filter[key]}
      onChange={e => onChange({ ...filter, [key]: e.target.value })}
      style={{ minWidth: 150 }}
    >
      <MenuItem value="">{all}</MenuItem>
      {options.map(option => (
        <MenuItem key={option.value} value={option.value}>
          {option.label}
        </MenuItem>
      ))}
    </TextField>
  );
  // keep a selected value listed even when the facets no longer have it
  const facet = (
    values: Array<{ value: string; count: number }>,
    key: string,
  ) => {
    const listed = values.map(v => ({
      value: v.value,
      label: `${v.value} (${v.count})`,
    }));
    return key && !values.some(v => v.value === key)
      ? [{ value: key, label: key }, ...listed]
      : listed;
  };
  return (
    <Box display="flex" gridGap={16} flexWrap="wrap">
      <TextField
        id={`${id}-search`}
        label="Search"
        placeholder="name, namespace, label…"
        value={filter.search}
        onChange={e => onChange({ ...filter, search: e.target.value })}
      />
      {select(
        'cluster',
        'Cluster',
        'All clusters',
        facet(page?.facets.clusters ?? [], filter.cluster),
      )}
      <TextField
        id={`${id}-namespace`}
        label="Namespace"
        placeholder="exact name"
        value={filter.namespace}
        onChange={e => onChange({ ...filter, namespace: e.target.value })}
      />
      {select(
        'state',
        'State',
        'All states',
        SYNC_STATES.map(state => ({ value: state, label: stateLabel(state) })),
      )}
      {select('finding', 'Finding', 'Any finding', [
        { value: 'none', label: 'no finding' },
        ...facet(page?.facets.findings ?? [], filter.finding),
      ])}
      {select(
        'owner',
        'Owner',
        'All owners',
        facet(page?.facets.owners ?? [], filter.owner),
      )}
      {select(
        'claim',
        'Claimed',
        'Claimed or not',
        (Object.keys(CLAIM_LABEL) as FleetClaimStatus[]).map(value => ({
          value,
          label: CLAIM_LABEL[value],
        })),
      )}
    </Box>
  );
}

/**
 * Every ExternalSecret of every cluster: counts, filters, a sortable table paged by the
 * backend, orphans with their labels, and a link to the claiming entity's Secrets tab.
 */
export function FleetExternalSecretsView() {
  const [filter, setFilter] = useState<FleetFilter>(EMPTY_FILTER);
  const [sort, setSort] = useState<FleetSortKey>('state');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [page, setPage] = useState(0);
  const [rowsPerPage, setRowsPerPage] = useState(25);
  const text = useDebounced(
    { search: filter.search, namespace: filter.namespace },
    TEXT_DEBOUNCE_MS,
  );
  const query = useMemo(
    () => toQuery({ ...filter, ...text }, sort, order, page, rowsPerPage),
    // the text fields take effect debounced; the selects at once
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [
      filter.cluster,
      filter.state,
      filter.finding,
      filter.owner,
      filter.claim,
      text,
      sort,
      order,
      page,
      rowsPerPage,
    ],
  );
  const { data, error, loading, retry } = useFleetQuery(
    JSON.stringify(query),
    api => api.getFleetExternalSecrets(query),
  );
  const changeFilter = (next: FleetFilter) => {
    setFilter(next);
    setPage(0);
  };

  if (!data && loading) return <LoadingSkeleton rows={6} />;
  if (error && (!data || (error as any).response?.status === 403)) {
    return <FleetErrorPanel error={error} onRetry={retry} />;
  }
  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      {data && (
        <Counts
          page={data}
          onState={state => changeFilter({ ...filter, state, claim: '' })}
          onUnclaimed={() =>
            changeFilter({ ...filter, state: '', claim: 'unclaimed' })
          }
        />
      )}
      {data && <UnreachableClusters page={data} />}
      {data?.visibilityError && (
        <Typography variant="body2" color="error">
          {data.visibilityError}
        </Typography>
      )}
      {data && data.pending > 0 && (
        <Typography variant="caption" color="textSecondary">
          {data.pending} ExternalSecrets are still being checked; they appear
          shortly.
        </Typography>
      )}
      {error && (
        <Typography variant="body2" color="error">
          Could not refresh: {error.message}. Showing the last answer.
        </Typography>
      )}
      <FilterBar page={data} filter={filter} onChange={changeFilter} />
      <Box minHeight={4}>{loading && <LinearProgress />}</Box>
      <Table size="small" aria-label="ExternalSecrets of all clusters">
        <TableHead>
          <TableRow>
            {COLUMNS.map(column => (
              <TableCell
                key={column.key}
                sortDirection={sort === column.key ? order : false}
              >
                <TableSortLabel
                  active={sort === column.key}
                  direction={sort === column.key ? order : 'asc'}
                  onClick={() => {
                    if (sort === column.key) {
                      setOrder(order === 'asc' ? 'desc' : 'asc');
                    } else {
                      setSort(column.key);
                      setOrder('asc');
                    }
                    setPage(0);
                  }}
                >
                  {column.label}
                </TableSortLabel>
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {data?.items.length === 0 && (
            <TableRow>
              <TableCell colSpan={COLUMNS.length}>
                No ExternalSecret matches these filters.
              </TableCell>
            </TableRow>
          )}
          {data?.items.map(item => (
            <TableRow key={`${item.cluster}/${item.namespace}/${item.name}`}>
              <TableCell>
                <SyncStateLabel state={item.state} />
              </TableCell>
              <TableCell>{item.cluster}</TableCell>
              <TableCell>{item.namespace}</TableCell>
              <TableCell>{item.name}</TableCell>
              <TableCell>
                <OwnerCell item={item} />
              </TableCell>
              <TableCell>
                {item.finding ? (
                  <Box>
                    <Typography variant="caption" component="div">
                      <code>{item.finding.code}</code>
                    </Typography>
                    <Typography variant="body2">
                      {item.finding.summary}
                    </Typography>
                  </Box>
                ) : (
                  <Typography variant="body2" color="textSecondary">
                    none
                  </Typography>
                )}
              </TableCell>
              <TableCell>
                <LastSyncTime time={item.lastSyncTime} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {data && (
        <TablePagination
          component="div"
          count={data.matching.total}
          page={page}
          rowsPerPage={rowsPerPage}
          rowsPerPageOptions={[25, 50, 100]}
          onPageChange={(_, next) => setPage(next)}
          onRowsPerPageChange={e => {
            setRowsPerPage(Number(e.target.value));
            setPage(0);
          }}
        />
      )}
    </Box>
  );
}
