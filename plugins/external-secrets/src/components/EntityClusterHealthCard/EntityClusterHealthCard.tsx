import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  type ClusterAuthCheckResult,
  type ClusterAuthHealth,
  clusterNameOfEntity,
  isKubernetesClusterEntity,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';
import { usePageVisible } from '../../hooks/usePageVisible';
import { LoadingSkeleton } from '../LoadingSkeleton';
import { StatusErrorPanel } from '../StatusErrorPanel';

/** How often the card asks again while the page is visible. */
export const CLUSTER_HEALTH_POLL_MS = 15_000;

const useStyles = makeStyles(theme => ({
  Healthy: {
    backgroundColor: theme.palette.success?.main ?? theme.palette.primary.main,
    color: theme.palette.common.white,
  },
  Unhealthy: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.common.white,
  },
  Unknown: {
    backgroundColor: theme.palette.grey[500],
    color: theme.palette.common.black,
  },
}));

const CHECKS: Array<{
  key: keyof ClusterAuthHealth['checks'];
  label: string;
}> = [
  { key: 'mountEnabled', label: 'Auth mount enabled in Vault' },
  { key: 'configured', label: 'Mount configured' },
  { key: 'hostMatches', label: "Points at this cluster's API server" },
  { key: 'caMatches', label: "Trusts this cluster's CA" },
  { key: 'reviewerWorks', label: 'Token review works' },
  {
    key: 'tokenReviewGranted',
    label: 'Accounts may review tokens',
  },
  { key: 'vaultCaPresent', label: "Vault's CA ConfigMap in the cluster" },
];

const RESULT_WORDS: Record<ClusterAuthCheckResult, string> = {
  ok: 'yes',
  failed: 'no',
  unknown: 'not known yet',
};

const REVIEWER_WORDS = {
  'reviewer-jwt': 'a reviewer JWT stored in Vault',
  'client-jwt': "each client's own JWT (client-JWT mode)",
};

function useClusterHealth(entityRef: string) {
  const api = useApi(externalSecretsApiRef);
  const visible = usePageVisible();
  const [result, setResult] = useState<{
    health?: ClusterAuthHealth;
    error?: Error;
    loading: boolean;
  }>({ loading: true });
  const latest = useRef(0);
  const load = useCallback(() => {
    const request = ++latest.current;
    api.getClusterHealth(entityRef).then(
      health => {
        if (request === latest.current) setResult({ health, loading: false });
      },
      error => {
        if (request === latest.current) {
          setResult(previous => ({ ...previous, error, loading: false }));
        }
      },
    );
  }, [api, entityRef]);
  useEffect(() => {
    if (!visible) return undefined;
    load();
    const timer = setInterval(load, CLUSTER_HEALTH_POLL_MS);
    return () => clearInterval(timer);
  }, [load, visible]);
  return { ...result, retry: load };
}

function ClusterHealthBody(props: { health: ClusterAuthHealth }) {
  const { health } = props;
  const classes = useStyles();
  return (
    <>
      <Box display="flex" alignItems="center" gridGap={12} mb={1}>
        <Chip
          role="status"
          aria-label={`Vault auth of cluster ${health.cluster}: ${health.state}`}
          label={health.state}
          size="small"
          className={classes[health.state]}
        />
        <Typography variant="body2">
          Vault mount <code>auth/{health.vaultAuthMount}</code>
          {health.reviewerMode
            ? `, tokens reviewed with ${REVIEWER_WORDS[health.reviewerMode]}`
            : ''}
        </Typography>
      </Box>
      <List dense aria-label="Checks">
        {CHECKS.map(check => {
          const result = health.checks[check.key];
          // older backends answer without the cluster-side checks; reviewer mode has no
          // per-account token review to check
          if (
            result === undefined ||
            (check.key === 'tokenReviewGranted' &&
              health.reviewerMode === 'reviewer-jwt')
          ) {
            return null;
          }
          return (
            <ListItem key={check.key} disableGutters>
              <ListItemText
                primary={`${check.label}: ${RESULT_WORDS[result]}`}
              />
            </ListItem>
          );
        })}
      </List>
      <Typography variant="body2">
        {health.stores.total === 0
          ? 'No store in this cluster logs in through this mount yet.'
          : `${health.stores.ready} of ${health.stores.total} ${
              health.stores.total === 1 ? 'store' : 'stores'
            } on this mount Ready.`}
      </Typography>
      {health.findings.length > 0 && (
        <List aria-label="Findings">
          {health.findings.map((finding, index) => (
            <ListItem key={`${finding.code}-${index}`} disableGutters>
              <ListItemText
                primary={finding.summary}
                secondary={`Fix: ${finding.fix}`}
              />
            </ListItem>
          ))}
        </List>
      )}
    </>
  );
}

/**
 * Cluster card for a `Resource` of type `kubernetes-cluster`: whether Vault's Kubernetes auth
 * mount of the cluster exists, points at the cluster's API server with its CA, and reviews
 * tokens, with each problem and its fix. Polls every 15 s while the page is visible.
 */
export function EntityClusterHealthCard() {
  const { entity } = useEntity();
  const title = `Vault auth: cluster ${clusterNameOfEntity(entity)}`;
  if (!isKubernetesClusterEntity(entity)) {
    return (
      <InfoCard title={title}>
        <Typography variant="body2">
          This card is for Resource entities of type kubernetes-cluster.
        </Typography>
      </InfoCard>
    );
  }
  return <ClusterHealthCard title={title} />;
}

function ClusterHealthCard(props: { title: string }) {
  const { entity } = useEntity();
  const { health, error, loading, retry } = useClusterHealth(
    stringifyEntityRef(entity),
  );
  return (
    <InfoCard title={props.title}>
      {loading && <LoadingSkeleton />}
      {!loading && error && !health && (
        <StatusErrorPanel error={error} onRetry={retry} />
      )}
      {health && <ClusterHealthBody health={health} />}
    </InfoCard>
  );
}
