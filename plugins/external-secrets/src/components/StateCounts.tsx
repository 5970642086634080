import Typography from '@material-ui/core/Typography';
import {
  SYNC_STATES,
  type SyncState,
} from '@gitops-secrets/plugin-external-secrets-common';
import { stateLabel } from './stateLabel';

/** "2 Synced · 1 Error": how many ExternalSecrets are in each state, zeros left out. */
export function StateCounts(props: { counts: Record<SyncState, number> }) {
  // answers of older backends have no count for newer states
  const parts = SYNC_STATES.filter(state => (props.counts[state] ?? 0) > 0).map(
    state => `${props.counts[state]} ${stateLabel(state)}`,
  );
  return (
    <Typography variant="body2" component="span" aria-label="Counts per state">
      {parts.length > 0 ? parts.join(' · ') : 'no ExternalSecrets'}
    </Typography>
  );
}
