import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from '../LastSyncTime';
import { SyncStateLabel } from '../SyncStateLabel';
import { stateLabel } from '../stateLabel';

/** "Vault v7 written 3 minutes ago · next sync in 1 minute": what a pending rotation waits for. */
function pendingLine(es: ExternalSecretStatus) {
  const pending = es.freshness!.keys.filter(k => k.state === 'PendingRotation');
  const [first] = pending;
  return (
    <>
      {pending.length === 1
        ? `Vault v${first.currentVersion} written `
        : `${pending.length} new Vault versions, the last written `}
      <LastSyncTime
        time={pending
          .map(k => k.writtenAt ?? '')
          .sort()
          .pop()}
      />
      {es.freshness!.nextSyncBy ? (
        <>
          {' · next sync '}
          <LastSyncTime time={es.freshness!.nextSyncBy} />
        </>
      ) : (
        ' · ESO does not re-read it on its own: see the Secrets tab'
      )}
    </>
  );
}

/** One ExternalSecret in the card: name and state, then last sync and store. */
export function ExternalSecretListItem(props: {
  externalSecret: ExternalSecretStatus;
  showCluster: boolean;
}) {
  const { externalSecret: es, showCluster } = props;
  return (
    <ListItem
      disableGutters
      divider
      aria-label={`${es.name}: ${stateLabel(es.state)}`}
    >
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
            {es.freshness?.state === 'PendingRotation' && (
              <>
                <br />
                {pendingLine(es)}
              </>
            )}
            <br />
            store {es.store.kind} {es.store.name}
            {es.store.found ? '' : ' (missing)'}
          </>
        }
      />
    </ListItem>
  );
}
