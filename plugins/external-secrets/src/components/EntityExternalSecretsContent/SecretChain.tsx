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

function Step(props: { label: string; value: string }) {
  const classes = useStyles();
  return (
    <li className={classes.step}>
      <div>
        <Typography variant="caption" color="textSecondary" component="div">
          {props.label}
        </Typography>
        <Typography variant="body2" component="div">
          <code>{props.value}</code>
        </Typography>
      </div>
    </li>
  );
}

/**
 * Every link a value travels through, Vault path → policy → role → store → ExternalSecret →
 * Secret, so the broken link can be found by eye.
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
    : 'unknown (not a Vault store, or not readable)';
  const policies = vault?.policies?.length
    ? vault.policies.join(', ')
    : "the role's (read from Vault only to diagnose a failure)";
  const target = `${es.namespace}/${es.target.name}${
    es.target.exists ? '' : ' (missing)'
  }`;
  return (
    <ol className={classes.chain} aria-label="Chain from Vault to Secret">
      <Step
        label="Vault path"
        value={[...new Set(vaultPaths)].join(', ') || 'none'}
      />
      <Step label="Policy" value={policies} />
      <Step label="Role" value={role} />
      <Step
        label="Store"
        value={`${es.store.kind} ${es.store.name}${
          es.store.found ? '' : ' (missing)'
        }`}
      />
      <Step label="ExternalSecret" value={`${es.namespace}/${es.name}`} />
      <Step label="Secret" value={target} />
    </ol>
  );
}
