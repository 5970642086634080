import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from '../LastSyncTime';
import { SyncStateLabel } from '../SyncStateLabel';

/** One ExternalSecret in the card: name and state, then last sync and store. */
export function ExternalSecretListItem(props: {
  externalSecret: ExternalSecretStatus;
  showCluster: boolean;
}) {
  const { externalSecret: es, showCluster } = props;
  return (
    <ListItem disableGutters divider aria-label={`${es.name}: ${es.state}`}>
      <ListItemText
        primary={
          <>
            <strong>{es.name}</strong>
            {showCluster ? ` (${es.cluster}/${es.namespace})` : ''}{' '}
            <SyncStateLabel state={es.state} />
          </>
        }
        secondary={
          <>
            last sync <LastSyncTime time={es.lastSyncTime} />
            <br />
            store {es.store.kind} {es.store.name}
            {es.store.found ? '' : ' (missing)'}
          </>
        }
      />
    </ListItem>
  );
}
