/**
 * How a Pod uses a Secret:
 * - `env`: `env[].valueFrom.secretKeyRef` — read once, at container start;
 * - `envFrom`: `envFrom[].secretRef` — read once, at container start;
 * - `volume`: a `secret` volume mounted as a directory — the kubelet updates the files in place;
 * - `projectedVolume`: a `projected` volume with a `secret` source — updated in place too;
 * - `subPath`: a secret or projected volume mounted with `subPath`/`subPathExpr` — never updated;
 * - `imagePullSecret`: `imagePullSecrets[]` — read at the next image pull only.
 *
 * @public
 */
export type SecretUse =
  | 'env'
  | 'envFrom'
  | 'volume'
  | 'projectedVolume'
  | 'subPath'
  | 'imagePullSecret';

/**
 * One reference of a Pod to a Secret (the Secret's name, never its content).
 *
 * @public
 */
export interface PodSecretReference {
  secret: string;
  use: SecretUse;
  /** the container reading it (for env, envFrom and mounts) */
  container?: string;
}

/**
 * What the status backend keeps of a Pod: who it is, who owns it, when it started, its container
 * names and the Secrets it references. No other spec, and no Secret.
 *
 * @public
 */
export interface PodSecretUsage {
  namespace: string;
  name: string;
  /** the controlling owner (`ownerReferences[].controller`) */
  owner?: { kind: string; name: string };
  /** `status.startTime` */
  startTime?: string;
  containers: string[];
  references: PodSecretReference[];
}

/** The parts of a core/v1 Pod that {@link podSecretUsage} reads. @public */
export interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    ownerReferences?: Array<{
      kind?: string;
      name?: string;
      controller?: boolean;
    }>;
    labels?: Record<string, string>;
  };
  spec?: {
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
    volumes?: Array<{
      name?: string;
      secret?: { secretName?: string };
      projected?: { sources?: Array<{ secret?: { name?: string } }> };
    }>;
    imagePullSecrets?: Array<{ name?: string }>;
  };
  status?: { startTime?: string | Date | null };
}

/** @public */
export interface ContainerLike {
  name?: string;
  env?: Array<{ valueFrom?: { secretKeyRef?: { name?: string } } }>;
  envFrom?: Array<{ secretRef?: { name?: string } }>;
  volumeMounts?: Array<{
    name?: string;
    subPath?: string;
    subPathExpr?: string;
  }>;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function iso(value: string | Date | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * The workload that owns a Pod. A Deployment's Pods are owned by a ReplicaSet named
 * `<deployment>-<pod-template-hash>` (the Deployment controller's naming), so the Deployment is
 * named from the ReplicaSet without reading ReplicaSets; a ReplicaSet whose name does not end in
 * the Pod's hash is shown as itself.
 */
function ownerOf(pod: PodLike): PodSecretUsage['owner'] {
  const refs = Array.isArray(pod.metadata?.ownerReferences)
    ? pod.metadata!.ownerReferences
    : [];
  const owner = refs.find(r => r?.controller) ?? refs[0];
  const kind = text(owner?.kind);
  const name = text(owner?.name);
  if (!kind || !name) return undefined;
  const hash = text(pod.metadata?.labels?.['pod-template-hash']);
  if (kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: name.slice(0, -hash.length - 1) };
  }
  return { kind, name };
}

/**
 * Reduces a Pod to the Secrets it references and how: `env[].valueFrom.secretKeyRef`,
 * `envFrom[].secretRef`, `volumes[].secret`, `volumes[].projected.sources[].secret` (mounted as a
 * directory, or with `subPath`, which the kubelet never updates) and `imagePullSecrets`, for
 * containers and init containers. Total: malformed parts are skipped.
 *
 * @public
 */
export function podSecretUsage(pod: PodLike): PodSecretUsage {
  const spec = pod.spec && typeof pod.spec === 'object' ? pod.spec : {};
  const list = <T>(value: T[] | undefined): T[] =>
    Array.isArray(value) ? value.filter(v => v && typeof v === 'object') : [];
  const containers = [...list(spec.initContainers), ...list(spec.containers)];
  const references: PodSecretReference[] = [];
  const seen = new Set<string>();
  const add = (ref: PodSecretReference) => {
    const k = `${ref.secret}|${ref.use}|${ref.container ?? ''}`;
    if (!seen.has(k)) {
      seen.add(k);
      references.push(ref);
    }
  };
  const volumeSecrets = new Map<
    string,
    { secrets: string[]; use: 'volume' | 'projectedVolume' }
  >();
  for (const volume of list(spec.volumes)) {
    const name = text(volume.name);
    if (!name) continue;
    const direct = text(volume.secret?.secretName);
    if (direct) {
      volumeSecrets.set(name, { secrets: [direct], use: 'volume' });
      continue;
    }
    const projected = list(volume.projected?.sources)
      .map(s => text(s.secret?.name))
      .filter((s): s is string => !!s);
    if (projected.length > 0) {
      volumeSecrets.set(name, { secrets: projected, use: 'projectedVolume' });
    }
  }
  const mounted = new Set<string>();
  for (const container of containers) {
    const containerName = text(container.name);
    for (const env of list(container.env)) {
      const secret = text(env.valueFrom?.secretKeyRef?.name);
      if (secret) add({ secret, use: 'env', container: containerName });
    }
    for (const from of list(container.envFrom)) {
      const secret = text(from.secretRef?.name);
      if (secret) add({ secret, use: 'envFrom', container: containerName });
    }
    for (const mount of list(container.volumeMounts)) {
      const volume = volumeSecrets.get(text(mount.name) ?? '');
      if (!volume) continue;
      mounted.add(mount.name!);
      const use =
        text(mount.subPath) || text(mount.subPathExpr) ? 'subPath' : volume.use;
      for (const secret of volume.secrets) {
        add({ secret, use, container: containerName });
      }
    }
  }
  // A volume no container mounts still makes the Pod depend on the Secret (it must exist).
  for (const [name, volume] of volumeSecrets) {
    if (!mounted.has(name)) {
      for (const secret of volume.secrets) add({ secret, use: volume.use });
    }
  }
  for (const pull of list(spec.imagePullSecrets)) {
    const secret = text(pull.name);
    if (secret) add({ secret, use: 'imagePullSecret' });
  }
  return {
    namespace: text(pod.metadata?.namespace) ?? '',
    name: text(pod.metadata?.name) ?? '',
    owner: ownerOf(pod),
    startTime: iso(pod.status?.startTime),
    containers: containers
      .map(c => text(c.name))
      .filter((c): c is string => !!c),
    references,
  };
}

/**
 * What one consumer needs to see the Secret's current value:
 * - `RestartNeeded`: it read the Secret at start (env, envFrom, subPath) and started before the
 *   last data change;
 * - `Current`: it started after the last data change (or no change is known);
 * - `UpdatesInPlace`: it mounts the Secret as a volume, which the kubelet refreshes in place;
 * - `NextImagePull`: it uses the Secret only to pull images;
 * - `Unknown`: it reads the Secret at start but its start time is not known.
 *
 * @public
 */
export type ConsumerVerdict =
  | 'RestartNeeded'
  | 'Current'
  | 'UpdatesInPlace'
  | 'NextImagePull'
  | 'Unknown';

/**
 * One workload (or a bare Pod) using a target Secret.
 *
 * @public
 */
export interface SecretConsumer {
  /** the owning workload's kind (`Deployment`, `StatefulSet`, `DaemonSet`, `Job`, …) or `Pod` */
  kind: string;
  name: string;
  namespace: string;
  uses: SecretUse[];
  containers: string[];
  verdict: ConsumerVerdict;
  /** its Pods, with the oldest start time first */
  pods: Array<{ name: string; startTime?: string; verdict: ConsumerVerdict }>;
  summary: string;
}

/**
 * The workloads that use one ExternalSecret's target Secret, and whether they see its current
 * value.
 *
 * @public
 */
export interface SecretConsumers {
  secret: string;
  /** when ESO last changed the Secret (its newest `Created`/`Updated` Event), when known */
  lastDataChange?: string;
  workloads: SecretConsumer[];
  /** how many workloads need a restart to pick up the new value */
  restartNeeded: number;
  /** "2 workloads need a restart", "1 workload, current" */
  summary: string;
}

const READ_AT_START: ReadonlySet<SecretUse> = new Set([
  'env',
  'envFrom',
  'subPath',
]);

const RANK: readonly ConsumerVerdict[] = [
  'RestartNeeded',
  'Unknown',
  'Current',
  'UpdatesInPlace',
  'NextImagePull',
];

function podVerdict(
  uses: ReadonlySet<SecretUse>,
  startTime: string | undefined,
  lastDataChange: number | undefined,
): ConsumerVerdict {
  if ([...uses].some(u => READ_AT_START.has(u))) {
    if (lastDataChange === undefined) return 'Current';
    const started = startTime ? Date.parse(startTime) : NaN;
    if (Number.isNaN(started)) return 'Unknown';
    return started < lastDataChange ? 'RestartNeeded' : 'Current';
  }
  if (uses.has('volume') || uses.has('projectedVolume')) {
    return 'UpdatesInPlace';
  }
  return 'NextImagePull';
}

const SUMMARY: Record<ConsumerVerdict, string> = {
  RestartNeeded:
    'restart needed to pick up the new value (it reads the Secret at start, through env or subPath, and started before the last change)',
  Current: 'current: started after the last change of the Secret',
  UpdatesInPlace: 'updates within about a minute (kubelet sync)',
  NextImagePull:
    'uses the Secret to pull images: the new value applies at the next pull',
  Unknown: 'reads the Secret at start, but its start time is unknown',
};

/**
 * Which workloads use `secret` in `namespace`, and whether each needs a restart: consumers that
 * read it at start (env, envFrom, subPath) and started before `lastDataChange` need one; volume
 * consumers update in place. Pods are grouped by their owning workload; a workload needs a
 * restart when any of its Pods does.
 *
 * @public
 */
export function assessConsumers(
  namespace: string,
  secret: string,
  pods: readonly PodSecretUsage[],
  lastDataChange?: string,
): SecretConsumers {
  const changedAt = lastDataChange ? Date.parse(lastDataChange) : NaN;
  const change = Number.isNaN(changedAt) ? undefined : changedAt;
  const groups = new Map<string, SecretConsumer>();
  for (const pod of pods) {
    if (pod.namespace !== namespace) continue;
    const refs = pod.references.filter(r => r.secret === secret);
    if (refs.length === 0) continue;
    const uses = new Set(refs.map(r => r.use));
    const verdict = podVerdict(uses, pod.startTime, change);
    const kind = pod.owner?.kind ?? 'Pod';
    const name = pod.owner?.name ?? pod.name;
    const groupKey = `${kind}/${name}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = {
        kind,
        name,
        namespace,
        uses: [],
        containers: [],
        verdict,
        pods: [],
        summary: '',
      };
      groups.set(groupKey, group);
    }
    for (const use of uses) {
      if (!group.uses.includes(use)) group.uses.push(use);
    }
    for (const ref of refs) {
      if (ref.container && !group.containers.includes(ref.container)) {
        group.containers.push(ref.container);
      }
    }
    group.pods.push({ name: pod.name, startTime: pod.startTime, verdict });
  }
  const workloads = [...groups.values()].map(group => {
    const verdict =
      RANK.find(v => group.pods.some(p => p.verdict === v)) ?? 'Unknown';
    const stale = group.pods.filter(p => p.verdict === 'RestartNeeded').length;
    return {
      ...group,
      verdict,
      pods: group.pods.sort((a, b) =>
        (a.startTime ?? '').localeCompare(b.startTime ?? ''),
      ),
      summary:
        verdict === 'RestartNeeded' && group.pods.length > 1
          ? `${SUMMARY.RestartNeeded}; ${stale} of ${group.pods.length} pods`
          : SUMMARY[verdict],
    };
  });
  workloads.sort(
    (a, b) =>
      RANK.indexOf(a.verdict) - RANK.indexOf(b.verdict) ||
      `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`),
  );
  const restartNeeded = workloads.filter(
    w => w.verdict === 'RestartNeeded',
  ).length;
  const plural = (n: number) => (n === 1 ? 'workload' : 'workloads');
  let summary: string;
  if (workloads.length === 0) {
    summary = 'no workload uses this Secret';
  } else if (restartNeeded > 0) {
    summary = `${restartNeeded} ${plural(restartNeeded)} ${
      restartNeeded === 1 ? 'needs' : 'need'
    } a restart`;
  } else {
    summary = `${workloads.length} ${plural(
      workloads.length,
    )}, none needs a restart`;
  }
  return {
    secret,
    lastDataChange:
      change !== undefined ? new Date(change).toISOString() : undefined,
    workloads,
    restartNeeded,
    summary,
  };
}
