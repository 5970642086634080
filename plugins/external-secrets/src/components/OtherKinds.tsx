import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  ClusterExternalSecretStatus,
  Finding,
  PushSecretStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from './LastSyncTime';
import { SyncStateLabel } from './SyncStateLabel';
import { stateLabel } from './stateLabel';

const useStyles = makeStyles({
  // the app theme keeps list texts on one line (nowrap, overflow hidden): findings and fixes are
  // sentences, and a cut-off fix is no fix
  text: { whiteSpace: 'normal', overflowWrap: 'anywhere' },
});

/** The first finding of a row, with its fix; nothing for a row without one. */
function RowFinding(props: { finding?: Finding; detailed: boolean }) {
  const { finding, detailed } = props;
  if (!finding) return null;
  return (
    <>
      <br />
      <span role="note" aria-label={`Finding ${finding.code}`}>
        {finding.summary}
        {detailed ? (
          <>
            <br />
            <strong>Fix:</strong> {finding.fix}
          </>
        ) : null}
      </span>
    </>
  );
}

const pushedText = (ps: PushSecretStatus) =>
  ps.pushed.length === 0
    ? 'nothing pushed yet'
    : `pushed ${ps.pushed
        .slice(0, 3)
        .map(p => (p.property ? `${p.remoteKey}#${p.property}` : p.remoteKey))
        .join(', ')}${
        ps.pushed.length > 3 ? ` and ${ps.pushed.length - 3} more` : ''
      }`;

/**
 * The entity's PushSecrets: state, source Secret, stores and policies, what ESO pushed, and the
 * first finding (with its fix when `detailed`).
 */
export function PushSecretsList(props: {
  pushSecrets: PushSecretStatus[];
  showCluster: boolean;
  detailed?: boolean;
}) {
  const { pushSecrets, showCluster, detailed = false } = props;
  const classes = useStyles();
  if (pushSecrets.length === 0) return null;
  return (
    <Box mt={2}>
      <Typography variant="subtitle2" component="h3">
        PushSecrets (Kubernetes → Vault)
      </Typography>
      <List dense aria-label="PushSecrets">
        {pushSecrets.map(ps => (
          <ListItem
            key={`${ps.cluster}/${ps.namespace}/${ps.name}`}
            disableGutters
            divider
            aria-label={`${ps.name}: ${stateLabel(ps.state)}`}
          >
            <ListItemText
              className={classes.text}
              primary={
                <>
                  <strong>{ps.name}</strong>
                  {showCluster ? ` (${ps.cluster}/${ps.namespace})` : ''}{' '}
                  <SyncStateLabel state={ps.state} />
                </>
              }
              secondary={
                <>
                  Secret {ps.sourceSecret ?? '(none)'} →{' '}
                  {ps.stores.map(s => `${s.kind} ${s.name}`).join(', ') ||
                    'no store'}{' '}
                  · last push <LastSyncTime time={ps.lastSyncTime} />
                  <br />
                  {pushedText(ps)} · updatePolicy {ps.updatePolicy} ·
                  deletionPolicy {ps.deletionPolicy}
                  <RowFinding finding={ps.findings[0]} detailed={detailed} />
                </>
              }
            />
          </ListItem>
        ))}
      </List>
    </Box>
  );
}

/**
 * The entity's ClusterExternalSecrets: state, namespaces provisioned and failed, the provisioned
 * ExternalSecrets that fail, and the first finding.
 */
export function ClusterExternalSecretsList(props: {
  clusterExternalSecrets: ClusterExternalSecretStatus[];
  showCluster: boolean;
  detailed?: boolean;
}) {
  const { clusterExternalSecrets, showCluster, detailed = false } = props;
  const classes = useStyles();
  if (clusterExternalSecrets.length === 0) return null;
  return (
    <Box mt={2}>
      <Typography variant="subtitle2" component="h3">
        ClusterExternalSecrets
      </Typography>
      <List dense aria-label="ClusterExternalSecrets">
        {clusterExternalSecrets.map(ces => {
          const problems =
            ces.failedNamespaces.length + ces.failingExternalSecrets.length;
          return (
            <ListItem
              key={`${ces.cluster}/${ces.name}`}
              disableGutters
              divider
              aria-label={`${ces.name}: ${stateLabel(ces.state)}`}
            >
              <ListItemText
                className={classes.text}
                primary={
                  <>
                    <strong>{ces.name}</strong>
                    {showCluster ? ` (${ces.cluster})` : ''}{' '}
                    <SyncStateLabel state={ces.state} />
                  </>
                }
                secondary={
                  <>
                    ExternalSecret {ces.externalSecretName} in{' '}
                    {ces.provisionedNamespaces.length} namespace
                    {ces.provisionedNamespaces.length === 1 ? '' : 's'}
                    {ces.failedNamespaces.length
                      ? ` · failed in ${ces.failedNamespaces
                          .map(f => f.namespace)
                          .join(', ')}`
                      : ''}
                    {ces.failingExternalSecrets.length
                      ? ` · failing: ${ces.failingExternalSecrets
                          .map(f => f.namespace)
                          .join(', ')}`
                      : ''}
                    {problems === 0 && ces.findings.length === 0
                      ? ' · all provisioned'
                      : ''}
                    <RowFinding finding={ces.findings[0]} detailed={detailed} />
                  </>
                }
              />
            </ListItem>
          );
        })}
      </List>
    </Box>
  );
}
