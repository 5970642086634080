import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ExternalSecretStatus } from '@gitops-secrets/plugin-external-secrets-common';

const useStyles = makeStyles(theme => ({
  chain: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    listStyle: 'none',
    padding: 0,
    margin: 0,
    '& > li:not(:last-child)::after': {
      content: '"→"',
      marginLeft: theme.spacing(1),
      color: theme.palette.text.secondary,
    },
  },
  step: {
    display: 'flex',
    alignItems: 'center',
  },
}));

/** One link of the chain: a real name in code font, or (`note`) a remark in plain words. */
function Step(props: { label: string; value: string; note?: boolean }) {
  const classes = useStyles();
  return (
    <li className={classes.step}>
      <div>
        <Typography variant="caption" color="textSecondary" component="div">
          {props.label}
        </Typography>
        {props.note ? (
          <Typography variant="body2" color="textSecondary" component="div">
            <em>{props.value}</em>
          </Typography>
        ) : (
          <Typography variant="body2" component="div">
            <code>{props.value}</code>
          </Typography>
        )}
      </div>
    </li>
  );
}

/**
 * Every link a value travels through, Vault path → policy → role → store → ExternalSecret →
 * Secret → workloads, so the broken link can be found by eye.
 */
export function SecretChain(props: { externalSecret: ExternalSecretStatus }) {
  const classes = useStyles();
  const es = props.externalSecret;
  const vault = es.store.vault;
  const vaultPaths = es.remoteRefs.map(
    ref =>
      ref.vaultPath ?? (vault?.path ? `${vault.path}/${ref.key}` : ref.key),
  );
  const role = vault?.role
    ? `auth/${vault.authMountPath ?? 'kubernetes'}/role/${vault.role}`
    : undefined;
  // the backend reads a role's policies from Vault only to diagnose a failure
  const policies = vault?.policies?.length
    ? vault.policies.join(', ')
    : undefined;
  const target = `${es.namespace}/${es.target.name}${
    es.target.exists ? '' : ' (missing)'
  }`;
  return (
    <ol className={classes.chain} aria-label="Chain from Vault to Secret">
      <Step
        label="Vault path"
        value={[...new Set(vaultPaths)].join(', ') || 'none'}
      />
      {policies ? (
        <Step label="Policy" value={policies} />
      ) : (
        <Step
          label="Policy"
          note
          value={
            es.state === 'Error' || es.store.ready === false
              ? "the role's (could not be read from Vault: see the findings)"
              : "the role's (looked up in Vault only when a sync fails)"
          }
        />
      )}
      {role ? (
        <Step label="Role" value={role} />
      ) : (
        <Step label="Role" note value="unknown: not a Vault store" />
      )}
      <Step
        label="Store"
        value={`${es.store.kind} ${es.store.name}${
          es.store.found ? '' : ' (missing)'
        }`}
      />
      <Step label="ExternalSecret" value={`${es.namespace}/${es.name}`} />
      <Step label="Secret" value={target} />
      {es.consumers && (
        <Step
          label="Workloads"
          note={es.consumers.workloads.length === 0}
          value={
            es.consumers.workloads.length === 0
              ? 'none uses it'
              : es.consumers.workloads
                  .map(
                    w =>
                      `${w.kind} ${w.name}${
                        w.verdict === 'RestartNeeded' ? ' (restart needed)' : ''
                      }`,
                  )
                  .join(', ')
          }
        />
      )}
    </ol>
  );
}
