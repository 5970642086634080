import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import MenuItem from '@material-ui/core/MenuItem';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TablePagination from '@material-ui/core/TablePagination';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import type {
  FleetStore,
  FleetStoresQuery,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useEffect, useId, useMemo, useState } from 'react';
import { LoadingSkeleton } from '../LoadingSkeleton';
import { FleetErrorPanel } from './FleetErrorPanel';
import { UnreachableClusters } from './FleetExternalSecretsView';
import { useFleetQuery } from './useFleetQuery';

function Readiness(props: { store: FleetStore }) {
  const { store } = props;
  if (store.ready === undefined) {
    return <StatusPending>no Ready condition yet</StatusPending>;
  }
  if (store.ready) return <StatusOK>Ready</StatusOK>;
  return (
    <Box>
      <StatusError>
        Not ready{store.reason ? ` (${store.reason})` : ''}
      </StatusError>
      {store.message && (
        <Typography variant="caption" component="div">
          {store.message}
        </Typography>
      )}
    </Box>
  );
}

/**
 * Every ClusterSecretStore and SecretStore: readiness, the Vault server, auth mount and role it
 * uses, and how many ExternalSecrets depend on it and fail — the store everyone depends on is
 * the first thing to check when many services break at once.
 */
export function FleetStoresView() {
  const id = useId();
  const [cluster, setCluster] = useState('');
  const [ready, setReady] = useState<'' | 'true' | 'false'>('');
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [page, setPage] = useState(0);
  const [rowsPerPage, setRowsPerPage] = useState(25);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(search), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const query = useMemo<FleetStoresQuery>(
    () => ({
      cluster: cluster ? [cluster] : undefined,
      ready: ready === '' ? undefined : ready === 'true',
      search: debounced.trim() || undefined,
      offset: page * rowsPerPage,
      limit: rowsPerPage,
    }),
    [cluster, ready, debounced, page, rowsPerPage],
  );
  const { data, error, loading, retry } = useFleetQuery(
    JSON.stringify(query),
    api => api.getFleetStores(query),
  );

  if (!data && loading) return <LoadingSkeleton rows={4} />;
  if (error && (!data || (error as any).response?.status === 403)) {
    return <FleetErrorPanel error={error} onRetry={retry} />;
  }
  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      {data && (
        <Typography variant="body2" aria-label="Store counts">
          {data.total} stores · {data.notReady} not ready
        </Typography>
      )}
      {data && <UnreachableClusters page={data} />}
      <Box display="flex" gridGap={16} flexWrap="wrap">
        <TextField
          id={`${id}-search`}
          label="Search"
          placeholder="name, Vault server, role…"
          value={search}
          onChange={e => {
            setSearch(e.target.value);
            setPage(0);
          }}
        />
        <TextField
          select
          id={`${id}-cluster`}
          label="Cluster"
          value={cluster}
          onChange={e => {
            setCluster(e.target.value);
            setPage(0);
          }}
          style={{ minWidth: 150 }}
        >
          <MenuItem value="">All clusters</MenuItem>
          {data?.clusters.map(c => (
            <MenuItem key={c.name} value={c.name}>
              {c.name}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          id={`${id}-ready`}
          label="Readiness"
          value={ready}
          onChange={e => {
            setReady(e.target.value as '' | 'true' | 'false');
            setPage(0);
          }}
          style={{ minWidth: 150 }}
        >
          <MenuItem value="">Ready or not</MenuItem>
          <MenuItem value="true">Ready</MenuItem>
          <MenuItem value="false">Not ready</MenuItem>
        </TextField>
      </Box>
      <Box minHeight={4}>{loading && <LinearProgress />}</Box>
      <Table size="small" aria-label="Secret stores of all clusters">
        <TableHead>
          <TableRow>
            <TableCell>Store</TableCell>
            <TableCell>Cluster</TableCell>
            <TableCell>Readiness</TableCell>
            <TableCell>Vault server</TableCell>
            <TableCell>Auth mount</TableCell>
            <TableCell>Role</TableCell>
            <TableCell align="right">ExternalSecrets</TableCell>
            <TableCell align="right">Failing</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {data?.items.length === 0 && (
            <TableRow>
              <TableCell colSpan={8}>No store matches these filters.</TableCell>
            </TableRow>
          )}
          {data?.items.map(store => (
            <TableRow
              key={`${store.cluster}/${store.kind}/${store.namespace ?? ''}/${
                store.name
              }`}
            >
              <TableCell>
                <Typography variant="body2">
                  {store.namespace
                    ? `${store.namespace}/${store.name}`
                    : store.name}
                </Typography>
                <Typography variant="caption">{store.kind}</Typography>
              </TableCell>
              <TableCell>{store.cluster}</TableCell>
              <TableCell>
                <Readiness store={store} />
              </TableCell>
              <TableCell>
                {store.vault?.server ??
                  (store.provider ? `${store.provider} (not Vault)` : '—')}
              </TableCell>
              <TableCell>{store.vault?.authMountPath ?? '—'}</TableCell>
              <TableCell>{store.vault?.role ?? '—'}</TableCell>
              <TableCell align="right">{store.externalSecrets}</TableCell>
              <TableCell align="right">{store.failing}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {data && (
        <TablePagination
          component="div"
          count={data.total}
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
