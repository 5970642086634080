import { useApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import type { WorkloadRestartTarget } from '@gitops-secrets/plugin-external-secrets-common';
import { useState } from 'react';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';

type RestartRequest =
  | { phase: 'idle' }
  | { phase: 'confirming' }
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
 * "Restart" for a workload that needs one to read the Secret's new value: asks for
 * confirmation, then a rollout restart (new Pods replace the running ones). Only rendered when
 * the backend offers it and the user holds `external-secrets.workload.restart`; the backend
 * checks both again.
 */
export function RestartWorkloadButton(props: {
  entityRef: string;
  target: WorkloadRestartTarget;
  onRequested: () => void;
}) {
  const api = useApi(externalSecretsApiRef);
  const [request, setRequest] = useState<RestartRequest>({ phase: 'idle' });
  const { kind, name, namespace, cluster } = props.target;
  const label = `${kind} ${name}`;

  const restart = async () => {
    setRequest({ phase: 'running' });
    try {
      await api.restartWorkload(props.entityRef, props.target);
      setRequest({ phase: 'done' });
      props.onRequested();
    } catch (error) {
      setRequest({ phase: 'failed', message: describeFailure(error) });
    }
  };

  const running = request.phase === 'running';
  return (
    <Box display="inline-flex" flexDirection="column" ml={1}>
      <Button
        size="small"
        variant="outlined"
        onClick={() => setRequest({ phase: 'confirming' })}
        disabled={running}
        aria-label={`Restart ${label}`}
        aria-busy={running}
        startIcon={running ? <CircularProgress size={14} /> : undefined}
      >
        Restart
      </Button>
      {request.phase === 'done' && (
        <Typography variant="caption" role="status">
          Restart requested: new Pods are rolling out
        </Typography>
      )}
      {request.phase === 'failed' && (
        <Typography variant="caption" color="error" role="alert">
          Restart failed: {request.message}
        </Typography>
      )}
      <Dialog
        open={request.phase === 'confirming'}
        onClose={() => setRequest({ phase: 'idle' })}
        aria-labelledby="restart-workload-title"
      >
        <DialogTitle id="restart-workload-title">Restart {label}?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            A rollout restart of {kind} {namespace}/{name} in cluster {cluster}:
            new Pods start and read the Secret&apos;s current value, then the
            running Pods stop, as with <code>kubectl rollout restart</code>.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRequest({ phase: 'idle' })}>Cancel</Button>
          <Button color="primary" variant="contained" onClick={restart}>
            Restart {name}
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
