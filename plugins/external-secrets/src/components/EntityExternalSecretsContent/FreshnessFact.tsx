import Typography from '@material-ui/core/Typography';
import type {
  ExternalSecretStatus,
  FreshnessState,
} from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from '../LastSyncTime';

const WORDS: Record<FreshnessState, string> = {
  InSync: 'in sync',
  PendingRotation: 'new version not synced yet',
  Unversioned: 'no versions (KV v1)',
  Unknown: 'unknown',
};

/**
 * Per Vault key: its current version and when it was written, against the last sync — whether
 * the Secret holds what Vault holds now. Metadata only; the backend never reads values.
 */
export function FreshnessFact(props: { externalSecret: ExternalSecretStatus }) {
  const freshness = props.externalSecret.freshness;
  if (!freshness) {
    return <>—</>;
  }
  return (
    <>
      {freshness.keys.map(key => (
        <Typography
          key={key.key}
          variant="body2"
          component="span"
          display="block"
          aria-label={`Vault version of ${key.key}`}
        >
          <code>{key.key}</code>
          {key.currentVersion ? ` v${key.currentVersion}` : ''}
          {key.writtenAt && (
            <>
              {' '}
              written <LastSyncTime time={key.writtenAt} />
            </>
          )}
          {` — ${WORDS[key.state] ?? key.state}`}
          {key.state === 'Unknown' || key.state === 'Unversioned'
            ? `: ${key.summary}`
            : ''}
        </Typography>
      ))}
      {freshness.state === 'PendingRotation' && (
        <Typography variant="body2" component="span" display="block">
          {freshness.nextSyncBy ? (
            <>
              ESO reads it at the next sync, due{' '}
              <LastSyncTime time={freshness.nextSyncBy} />.
            </>
          ) : (
            freshness.summary
          )}
        </Typography>
      )}
    </>
  );
}
