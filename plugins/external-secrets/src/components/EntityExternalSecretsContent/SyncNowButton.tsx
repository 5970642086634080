import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Typography from '@material-ui/core/Typography';
import { ResponseError } from '@backstage/errors';
import type {
  ForceSyncEffect,
  RefreshTarget,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useState } from 'react';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';

type SyncRequest =
  | { phase: 'idle' }
  | { phase: 'running' }
  | { phase: 'done' }
  | { phase: 'ignored'; message: string }
  | { phase: 'failed'; message: string };

function describeFailure(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.cause?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Asks ESO to sync one ExternalSecret now. Only rendered for users holding
 * `external-secrets.sync.trigger`; the backend checks the permission again. When ESO would
 * ignore force-sync (`CreatedOnce` or `refreshInterval: 0` after the first sync), the button is
 * disabled and says why, instead of pretending.
 */
export function SyncNowButton(props: {
  entityRef: string;
  target: RefreshTarget;
  onRequested: () => void;
  /** what force-sync would do, from the status answer */
  effect?: ForceSyncEffect;
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
      // 409: the backend found that ESO would ignore the request and changed nothing.
      const ignored =
        error instanceof ResponseError && error.response.status === 409;
      setRequest({
        phase: ignored ? 'ignored' : 'failed',
        message: describeFailure(error),
      });
    }
  };

  const running = request.phase === 'running';
  const ignoredReason =
    props.effect?.effective === false
      ? props.effect.reason ?? 'ESO ignores force-sync for this ExternalSecret.'
      : undefined;
  return (
    <Box display="flex" flexDirection="column" gridGap={4} maxWidth={180}>
      <Button
        size="small"
        variant="outlined"
        style={{ whiteSpace: 'nowrap' }}
        onClick={syncNow}
        disabled={running || !!ignoredReason}
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
      {ignoredReason && (
        <Typography variant="caption" role="note">
          Sync now does nothing: {ignoredReason}
        </Typography>
      )}
      {request.phase === 'ignored' && (
        <Typography variant="caption" role="status">
          {request.message}
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
