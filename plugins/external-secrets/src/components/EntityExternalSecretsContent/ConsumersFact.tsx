import Typography from '@material-ui/core/Typography';
import {
  RESTARTABLE_WORKLOAD_KINDS,
  type ExternalSecretStatus,
  type RestartableWorkloadKind,
  type SecretUse,
} from '@gitops-secrets/plugin-external-secrets-common';
import { LastSyncTime } from '../LastSyncTime';
import { RestartWorkloadButton } from './RestartWorkloadButton';

const USE_WORDS: Record<SecretUse, string> = {
  env: 'env',
  envFrom: 'envFrom',
  volume: 'volume',
  projectedVolume: 'projected volume',
  subPath: 'volume subPath',
  imagePullSecret: 'image pull',
};

/**
 * The workloads that use the target Secret, how, and whether they see its current value: env
 * and subPath consumers started before the last change need a restart, volume consumers update
 * in place.
 */
export function ConsumersFact(props: {
  externalSecret: ExternalSecretStatus;
  /** set when the user may restart workloads: offered for those that need a restart */
  restart?: { entityRef: string; onRequested: () => void };
}) {
  const { consumers, consumersError } = props.externalSecret;
  const es = props.externalSecret;
  if (!consumers) {
    return <>{consumersError ?? '—'}</>;
  }
  return (
    <>
      <Typography variant="body2" component="span" display="block">
        {consumers.summary}
        {consumers.lastDataChange && (
          <>
            {' '}
            (Secret last changed{' '}
            <LastSyncTime time={consumers.lastDataChange} />)
          </>
        )}
      </Typography>
      {consumers.workloads.map(w => (
        <Typography
          key={`${w.kind}/${w.name}`}
          variant="body2"
          component="span"
          display="block"
          aria-label={`Consumer ${w.kind} ${w.name}`}
        >
          <code>
            {w.kind} {w.name}
          </code>{' '}
          ({w.uses.map(u => USE_WORDS[u] ?? u).join(', ')}
          {w.containers.length ? ` in ${w.containers.join(', ')}` : ''}):{' '}
          {w.summary}
          {props.restart &&
            w.verdict === 'RestartNeeded' &&
            RESTARTABLE_WORKLOAD_KINDS.includes(
              w.kind as RestartableWorkloadKind,
            ) && (
              <RestartWorkloadButton
                entityRef={props.restart.entityRef}
                onRequested={props.restart.onRequested}
                target={{
                  cluster: es.cluster,
                  namespace: es.namespace,
                  externalSecret: es.name,
                  kind: w.kind as RestartableWorkloadKind,
                  name: w.name,
                }}
              />
            )}
        </Typography>
      ))}
    </>
  );
}
