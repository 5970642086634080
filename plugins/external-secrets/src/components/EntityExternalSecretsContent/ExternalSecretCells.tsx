import Typography from '@material-ui/core/Typography';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';

function storeHealth(store: ExternalSecretStatus['store']): string {
  if (!store.found) {
    return 'missing';
  }
  if (store.ready === undefined) {
    return 'no status yet';
  }
  return store.ready ? 'ready' : 'not ready';
}

/** Store kind, name and whether it is ready. */
export function StoreCell(props: { externalSecret: ExternalSecretStatus }) {
  const { store } = props.externalSecret;
  return (
    <>
      {store.kind} <strong>{store.name}</strong>
      <br />
      <Typography variant="caption">{storeHealth(store)}</Typography>
    </>
  );
}

/** Target Secret name, whether it exists, and its key names (never values). */
export function TargetSecretCell(props: {
  externalSecret: ExternalSecretStatus;
}) {
  const { target, templated, refreshPolicy } = props.externalSecret;
  return (
    <>
      <strong>{target.name}</strong>
      {target.exists ? null : (
        <Typography variant="caption"> (missing)</Typography>
      )}
      {templated && (
        <>
          <br />
          <Typography variant="caption">
            rendered from target.template
          </Typography>
        </>
      )}
      {refreshPolicy && refreshPolicy !== 'Periodic' && (
        <>
          <br />
          <Typography variant="caption">
            refreshPolicy: {refreshPolicy}
          </Typography>
        </>
      )}
      {target.keys.length > 0 && (
        <>
          <br />
          <Typography variant="caption">
            keys: {target.keys.join(', ')}
          </Typography>
        </>
      )}
    </>
  );
}

/** Vault key → property → Secret key, one line per reference. */
export function RemoteRefsCell(props: {
  externalSecret: ExternalSecretStatus;
}) {
  return (
    <ul style={{ margin: 0, paddingLeft: 16 }}>
      {props.externalSecret.remoteRefs.map(ref =>
        ref.source === 'find' ? (
          <li key={`find|${ref.key}`}>
            every secret under <code>{ref.key || '/'}</code>
            {ref.find?.nameRegexp ? (
              <>
                {' named '}
                <code>{ref.find.nameRegexp}</code>
              </>
            ) : null}
            {ref.find?.tags ? (
              <>
                {' tagged '}
                <code>
                  {Object.entries(ref.find.tags)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                </code>
              </>
            ) : null}
            {' (dataFrom.find) → all keys'}
          </li>
        ) : (
          <li key={`${ref.key}|${ref.property}|${ref.secretKey}`}>
            <code>{ref.key}</code>
            {ref.property ? (
              <>
                {' → '}
                <code>{ref.property}</code>
              </>
            ) : null}
            {' → '}
            {ref.dataFrom ? 'all keys' : <code>{ref.secretKey}</code>}
          </li>
        ),
      )}
    </ul>
  );
}
