import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { SyncState } from '@gitops-secrets/plugin-external-secrets-common';
import { stateLabel } from './stateLabel';

const useStyles = makeStyles(theme => ({
  Synced: {
    backgroundColor: theme.palette.success?.main ?? theme.palette.primary.main,
    color: theme.palette.common.white,
  },
  PendingRotation: {
    backgroundColor: theme.palette.info?.main ?? theme.palette.grey[500],
    color: theme.palette.common.white,
  },
  Error: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.common.white,
  },
  Stale: {
    backgroundColor: theme.palette.warning?.main ?? theme.palette.grey[600],
    color: theme.palette.common.black,
  },
  Pending: {
    backgroundColor: theme.palette.info?.main ?? theme.palette.grey[500],
    color: theme.palette.common.white,
  },
  Unknown: {
    backgroundColor: theme.palette.grey[500],
    color: theme.palette.common.black,
  },
}));

/**
 * The entity's overall External Secrets state. A live `status` region, so assistive technology
 * announces when a signal turns "Synced" into "Error".
 */
export function OverallStateChip(props: { state: SyncState }) {
  const classes = useStyles();
  return (
    <Chip
      role="status"
      aria-label={`External Secrets: ${stateLabel(props.state)}`}
      label={stateLabel(props.state)}
      className={classes[props.state]}
    />
  );
}
