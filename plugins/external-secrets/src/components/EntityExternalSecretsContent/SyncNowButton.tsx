import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Typography from '@material-ui/core/Typography';
import { ResponseError } from '@backstage/errors';
import type { RefreshTarget } from '@gitops-secrets/plugin-external-secrets-common';
import { useState } from 'react';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';

type SyncRequest =
  | { phase: 'idle' }
  | { phase: 'running' }
  | { phase: 'done' }
  | { phase: 'failed'; message: string };

function describeFailure(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.cause?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Asks ESO to sync one ExternalSecret now. Only rendered for users holding
 * `external-secrets.sync.trigger`; the backend checks the permission again.
 */
export function SyncNowButton(props: {
  entityRef: string;
  target: RefreshTarget;
  onRequested: () => void;
}) {
  const api = useApi(externalSecretsApiRef);
  const [request, setRequest] = useState<SyncRequest>({ phase: 'idle' });
  const { cluster, namespace, name } = props.target;

  const syncNow = async () => {
    setRequest({ phase: 'running' });
    try {
      await api.refresh(props.entityRef, { cluster, namespace, name });
      setRequest({ phase: 'done' });
      props.onRequested();
    } catch (error) {
      setRequest({ phase: 'failed', message: describeFailure(error) });
    }
  };

  const running = request.phase === 'running';
  return (
    <Box display="flex" flexDirection="column" gridGap={4} maxWidth={180}>
      <Button
        size="small"
        variant="outlined"
        style={{ whiteSpace: 'nowrap' }}
        onClick={syncNow}
        disabled={running}
        aria-label={`Sync ${name} in ${cluster}/${namespace} now`}
        aria-busy={running}
        startIcon={running ? <CircularProgress size={14} /> : undefined}
      >
        Sync now
      </Button>
      {request.phase === 'done' && (
        <Typography variant="caption" role="status">
          Sync requested
        </Typography>
      )}
      {request.phase === 'failed' && (
        <Typography variant="caption" color="error" role="alert">
          Sync failed: {request.message}
        </Typography>
      )}
    </Box>
  );
}
