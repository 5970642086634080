import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';
import type { ReactNode } from 'react';
import { orderedFindings } from '../findings';

const useStyles = makeStyles(theme => ({
  refs: { margin: 0, paddingLeft: theme.spacing(2) },
  // a reference breaks only between its parts, never inside a key or property
  ref: {
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(0.5),
    '& code': { whiteSpace: 'nowrap' },
  },
}));

/** ExternalSecret name, with the cluster and namespace it lives in. */
export function NameCell(props: { externalSecret: ExternalSecretStatus }) {
  const es = props.externalSecret;
  return (
    <>
      <strong>{es.name}</strong>
      <Typography variant="caption" color="textSecondary" component="div">
        {es.cluster} · {es.namespace}
      </Typography>
    </>
  );
}

/**
 * One line on what is going on: the lead finding (the same one the card shows), otherwise the
 * controller's message, otherwise where the values went.
 */
export function SummaryCell(props: { externalSecret: ExternalSecretStatus }) {
  const es = props.externalSecret;
  const [lead, ...more] = orderedFindings(es);
  if (lead) {
    return (
      <>
        <Typography variant="body2">{lead.summary}</Typography>
        {more.length > 0 && (
          <Typography variant="caption" color="textSecondary">
            and {more.length} more {more.length === 1 ? 'finding' : 'findings'}{' '}
            in the details
          </Typography>
        )}
      </>
    );
  }
  if (es.state !== 'Synced') {
    return (
      <Typography variant="body2">
        {es.message ?? es.reason ?? 'No message from the controller yet.'}
      </Typography>
    );
  }
  return (
    <Typography variant="body2">
      Secret <strong>{es.target.name}</strong>
      {es.target.keys.length > 0
        ? ` with keys ${es.target.keys.join(', ')}`
        : ''}
    </Typography>
  );
}

export function storeHealth(store: ExternalSecretStatus['store']): string {
  if (!store.found) {
    return 'missing';
  }
  if (store.ready === undefined) {
    return 'no status yet';
  }
  return store.ready ? 'ready' : 'not ready';
}

/** Store kind, name and whether it is ready. */
export function StoreFact(props: { externalSecret: ExternalSecretStatus }) {
  const { store } = props.externalSecret;
  return (
    <>
      {store.kind} <strong>{store.name}</strong> ({storeHealth(store)})
    </>
  );
}

/** Target Secret name, whether it exists, and its key names (never values). */
export function TargetSecretFact(props: {
  externalSecret: ExternalSecretStatus;
}) {
  const { target, templated } = props.externalSecret;
  return (
    <>
      <strong>{target.name}</strong>
      {target.exists ? '' : ' (missing)'}
      {target.keys.length > 0 && <>, keys: {target.keys.join(', ')}</>}
      {templated && (
        <>
          ; <span>rendered from target.template</span>
        </>
      )}
    </>
  );
}

type RemoteRef = ExternalSecretStatus['remoteRefs'][number];

/** The parts of one reference: names in code font, the words between them plain. */
function refParts(ref: RemoteRef): ReactNode[] {
  if (ref.source === 'find') {
    return [
      'every secret under',
      <code key="key">{ref.key || '/'}</code>,
      ...(ref.find?.nameRegexp
        ? ['named', <code key="name">{ref.find.nameRegexp}</code>]
        : []),
      ...(ref.find?.tags
        ? [
            'tagged',
            <code key="tags">
              {Object.entries(ref.find.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </code>,
          ]
        : []),
      '(dataFrom.find) → all keys',
    ];
  }
  return [
    <code key="key">{ref.key}</code>,
    ...(ref.property ? ['→', <code key="property">{ref.property}</code>] : []),
    '→',
    ref.dataFrom ? 'all keys' : <code key="secretKey">{ref.secretKey}</code>,
  ];
}

/** Parts as flex items, with real spaces between them for copying and screen readers. */
function spaced(parts: ReactNode[]): ReactNode[] {
  return parts.flatMap((part, i) => [
    ...(i > 0 ? [' '] : []),
    typeof part === 'string' ? <span key={`w${i}`}>{part}</span> : part,
  ]);
}

/** Vault key → property → Secret key, one line per reference. */
export function RemoteRefsList(props: {
  externalSecret: ExternalSecretStatus;
}) {
  const classes = useStyles();
  return (
    <ul className={classes.refs} aria-label="Remote refs">
      {props.externalSecret.remoteRefs.map(ref => (
        <li
          key={
            ref.source === 'find'
              ? `find|${ref.key}`
              : `${ref.key}|${ref.property}|${ref.secretKey}`
          }
        >
          <span className={classes.ref}>{spaced(refParts(ref))}</span>
        </li>
      ))}
    </ul>
  );
}
