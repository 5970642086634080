import { KubeObject } from './kubeObject';
import { ObjectRegistry, randomSuffix } from './objectRegistry';
import { ChangeListener, StoredChange } from './objectStore';
import { ResourceType } from './resourceTypes';
import {
  LabelSelectorObject,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  podTemplateHash,
  scaledValue,
  templatesEqualIgnoringHash,
} from './workloads';

const any = (value: unknown) => value as Record<string, any>;

/**
 * The parts of kube-controller-manager and the kubelet that make Deployments behave:
 *
 * - **Deployment controller**: finds the ReplicaSet whose template equals the Deployment's
 *   (ignoring `pod-template-hash`), or creates `<deployment>-<hash>` with the hash in its
 *   selector, template labels and name, and the next `deployment.kubernetes.io/revision`;
 *   scales it to `spec.replicas`; scales older ReplicaSets to 0 once the new one's Pods are
 *   available (a rolling update whose Pods start at once); keeps `revisionHistoryLimit` old
 *   ReplicaSets; writes `status` (observedGeneration, replicas, updated/ready/available
 *   replicas, the `Available` and `Progressing` conditions with the controller's reasons)
 *   — what `kubectl rollout status` reads. A template change, such as the
 *   `kubectl.kubernetes.io/restartedAt` annotation `kubectl rollout restart` sets, rolls
 *   new Pods. A paused Deployment only gets its status.
 * - **ReplicaSet controller**: creates Pods from the template (named `<replicaset>-<5 chars>`,
 *   owned by the ReplicaSet) up to `spec.replicas`, deletes the newest beyond it, and writes
 *   `status`.
 * - **Kubelet**: every Pod starts at once: `Running`, Ready, with `startTime` and container
 *   statuses (no image is pulled, nothing runs).
 *
 * Deleting a Deployment deletes its ReplicaSets and their Pods through the owner references
 * (the registry's garbage collection). Work runs asynchronously after each change, like a
 * controller's work queue; {@link WorkloadControllers.idle} resolves once it is done.
 */
export class WorkloadControllers {
  private readonly queue = new Map<string, () => Promise<void>>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly objects: ObjectRegistry,
    subscribe: (listener: ChangeListener) => () => void,
    private readonly types: {
      deployments: ResourceType;
      replicasets: ResourceType;
      pods: ResourceType;
    },
    private readonly now: () => Date,
    /** the node every Pod is scheduled to */
    private readonly nodeName = 'sandbox-control-plane',
  ) {
    this.unsubscribe = subscribe(change => this.onChange(change));
  }

  /** Reconciles every Deployment and ReplicaSet (at start, and after a state import). */
  resyncAll(): void {
    for (const deployment of this.objects.list(this.types.deployments)) {
      this.enqueueDeployment(
        deployment.metadata.namespace!,
        deployment.metadata.name!,
      );
    }
    for (const replicaSet of this.objects.list(this.types.replicasets)) {
      this.enqueueReplicaSet(
        replicaSet.metadata.namespace!,
        replicaSet.metadata.name!,
      );
    }
  }

  /** Resolves once no reconcile is queued or running. */
  async idle(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.queue.clear();
  }

  private onChange(change: StoredChange): void {
    const { resourceType, object } = change;
    const namespace = object.metadata.namespace;
    if (!namespace || this.stopped) return;
    if (resourceType === this.types.deployments) {
      this.enqueueDeployment(namespace, object.metadata.name!);
    } else if (resourceType === this.types.replicasets) {
      this.enqueueReplicaSet(namespace, object.metadata.name!);
      const owner = controllerOf(object, 'Deployment');
      if (owner) this.enqueueDeployment(namespace, owner);
    } else if (resourceType === this.types.pods) {
      const owner = controllerOf(object, 'ReplicaSet');
      if (owner) this.enqueueReplicaSet(namespace, owner);
    }
  }

  private enqueueDeployment(namespace: string, name: string) {
    this.enqueue(`deployment/${namespace}/${name}`, () =>
      this.syncDeployment(namespace, name),
    );
  }

  private enqueueReplicaSet(namespace: string, name: string) {
    this.enqueue(`replicaset/${namespace}/${name}`, () =>
      this.syncReplicaSet(namespace, name),
    );
  }

  private enqueue(key: string, work: () => Promise<void>) {
    this.queue.set(key, work);
    if (!this.running) {
      this.running = new Promise<void>(resolve => setImmediate(resolve))
        .then(() => this.drain())
        .finally(() => {
          this.running = undefined;
        });
    }
  }

  private async drain(): Promise<void> {
    // bounded: a controller that never converges must not spin for ever
    for (let rounds = 0; this.queue.size > 0 && rounds < 10_000; rounds++) {
      const [key, work] = this.queue.entries().next().value!;
      this.queue.delete(key);
      if (this.stopped) return;
      try {
        await work();
      } catch {
        // a conflict or a deleted object: the change that caused it queues the key again
      }
    }
  }

  private find(type: ResourceType, namespace: string, name: string) {
    try {
      return this.objects.get(type, namespace, name);
    } catch {
      return undefined;
    }
  }

  private owned(type: ResourceType, namespace: string, owner: KubeObject) {
    return this.objects
      .list(type, namespace)
      .filter(o =>
        o.metadata.ownerReferences?.some(
          r => r.controller && r.uid === owner.metadata.uid,
        ),
      );
  }

  private timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  private async syncDeployment(namespace: string, name: string) {
    const deployment = this.find(this.types.deployments, namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = any(deployment).spec;
    const desired: number = spec.replicas ?? 1;
    let replicaSets = this.owned(this.types.replicasets, namespace, deployment);
    let current = replicaSets.find(rs =>
      templatesEqualIgnoringHash(any(rs).spec?.template, spec.template),
    );
    const revisions = replicaSets.map(rs =>
      Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0),
    );
    const maxRevision = Math.max(0, ...revisions);
    let created: string | undefined;
    if (!spec.paused) {
      const maxSurge = scaledValue(
        spec.strategy?.rollingUpdate?.maxSurge,
        desired,
        true,
      );
      if (!current) {
        current = await this.createReplicaSet(
          deployment,
          maxRevision + 1,
          desired + maxSurge,
        );
        created = current.metadata.name;
        replicaSets = [...replicaSets, current];
      } else {
        const revision = Number(
          current.metadata.annotations?.[REVISION_ANNOTATION] ?? 0,
        );
        // a rollback to an older template makes its ReplicaSet the newest revision
        const nextRevision =
          revision < maxRevision ? maxRevision + 1 : revision;
        if (
          any(current).spec.replicas !== desired ||
          revision !== nextRevision
        ) {
          current = await this.objects.update(
            this.types.replicasets,
            namespace,
            current.metadata.name!,
            {
              ...current,
              metadata: {
                ...current.metadata,
                annotations: {
                  ...current.metadata.annotations,
                  [REVISION_ANNOTATION]: String(nextRevision),
                  'deployment.kubernetes.io/desired-replicas': String(desired),
                  'deployment.kubernetes.io/max-replicas': String(
                    desired + maxSurge,
                  ),
                },
              },
              spec: { ...any(current).spec, replicas: desired },
            },
          );
        }
      }
      const newAvailable = any(current).status?.availableReplicas ?? 0;
      const olds = replicaSets.filter(
        rs => rs.metadata.uid !== current!.metadata.uid,
      );
      if (newAvailable >= desired) {
        for (const old of olds.filter(rs => any(rs).spec.replicas !== 0)) {
          await this.objects.update(
            this.types.replicasets,
            namespace,
            old.metadata.name!,
            { ...old, spec: { ...any(old).spec, replicas: 0 } },
          );
        }
        await this.cleanUp(olds, spec.revisionHistoryLimit ?? 10);
      }
      const revision = current.metadata.annotations?.[REVISION_ANNOTATION];
      if (
        revision &&
        deployment.metadata.annotations?.[REVISION_ANNOTATION] !== revision
      ) {
        await this.objects.update(this.types.deployments, namespace, name, {
          ...deployment,
          metadata: {
            ...deployment.metadata,
            annotations: {
              ...deployment.metadata.annotations,
              [REVISION_ANNOTATION]: revision,
            },
          },
        });
      }
    }
    await this.writeDeploymentStatus(namespace, name, current, created);
  }

  private async createReplicaSet(
    deployment: KubeObject,
    revision: number,
    maxReplicas: number,
  ): Promise<KubeObject> {
    const spec = any(deployment).spec;
    const template = structuredClone(spec.template);
    let collisionCount: number = any(deployment).status?.collisionCount ?? 0;
    for (;;) {
      const hash = podTemplateHash(template, collisionCount);
      const labels = {
        ...(template.metadata?.labels ?? {}),
        [POD_TEMPLATE_HASH_LABEL]: hash,
      };
      const selector: LabelSelectorObject = {
        ...spec.selector,
        matchLabels: {
          ...(spec.selector?.matchLabels ?? {}),
          [POD_TEMPLATE_HASH_LABEL]: hash,
        },
      };
      const name = `${deployment.metadata.name}-${hash}`;
      if (
        this.find(this.types.replicasets, deployment.metadata.namespace!, name)
      ) {
        // someone else's ReplicaSet has this name: the controller bumps collisionCount
        collisionCount++;
        continue;
      }
      return this.objects.create(
        this.types.replicasets,
        deployment.metadata.namespace,
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name,
            namespace: deployment.metadata.namespace,
            labels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(
                spec.replicas,
              ),
              'deployment.kubernetes.io/max-replicas': String(maxReplicas),
              [REVISION_ANNOTATION]: String(revision),
            },
            ownerReferences: [ownerReference(deployment)],
          },
          spec: {
            replicas: spec.replicas,
            ...(spec.minReadySeconds !== undefined
              ? { minReadySeconds: spec.minReadySeconds }
              : {}),
            selector,
            template: {
              ...template,
              metadata: { ...template.metadata, labels },
            },
          },
        },
      );
    }
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond `revisionHistoryLimit`. */
  private async cleanUp(olds: KubeObject[], limit: number) {
    const idle = olds
      .filter(
        rs =>
          any(rs).spec.replicas === 0 && (any(rs).status?.replicas ?? 0) === 0,
      )
      .sort(
        (a, b) =>
          Number(a.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) -
          Number(b.metadata.annotations?.[REVISION_ANNOTATION] ?? 0),
      );
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      this.objects.delete(
        this.types.replicasets,
        rs.metadata.namespace,
        rs.metadata.name!,
      );
    }
  }

  private async writeDeploymentStatus(
    namespace: string,
    name: string,
    current: KubeObject | undefined,
    created: string | undefined,
  ) {
    const deployment = this.find(this.types.deployments, namespace, name);
    if (!deployment) return;
    const spec = any(deployment).spec;
    const desired: number = spec.replicas ?? 1;
    const all = this.owned(this.types.replicasets, namespace, deployment);
    const sum = (field: string) =>
      all.reduce((n, rs) => n + (any(rs).status?.[field] ?? 0), 0);
    const replicas = sum('replicas');
    const updated = current
      ? any(
          this.find(this.types.replicasets, namespace, current.metadata.name!),
        )?.status?.replicas ?? 0
      : 0;
    const ready = sum('readyReplicas');
    const available = sum('availableReplicas');
    const specTotal = all.reduce(
      (n, rs) => n + (any(rs).spec?.replicas ?? 0),
      0,
    );
    const unavailable = Math.max(0, specTotal - available);
    const maxUnavailable = scaledValue(
      spec.strategy?.rollingUpdate?.maxUnavailable,
      desired,
      false,
    );
    const previous = (any(deployment).status?.conditions ?? []) as Array<
      Record<string, string>
    >;
    const now = this.timestamp();
    const condition = (
      type: string,
      status: string,
      reason: string,
      message: string,
    ) => {
      const before = previous.find(c => c.type === type);
      if (
        before?.status === status &&
        before.reason === reason &&
        before.message === message
      ) {
        return before;
      }
      return {
        type,
        status,
        lastUpdateTime: now,
        lastTransitionTime:
          before?.status === status ? before.lastTransitionTime : now,
        reason,
        message,
      };
    };
    const complete =
      updated === desired && replicas === desired && available === desired;
    const rsName = current?.metadata.name ?? '';
    let progressing;
    if (spec.paused) {
      progressing = condition(
        'Progressing',
        'Unknown',
        'DeploymentPaused',
        'Deployment is paused',
      );
    } else if (created) {
      progressing = condition(
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        `Created new replica set "${created}"`,
      );
    } else if (complete) {
      progressing = condition(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
      );
    } else {
      progressing = condition(
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        `ReplicaSet "${rsName}" is progressing.`,
      );
    }
    const availableCondition =
      available >= desired - maxUnavailable
        ? condition(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
          )
        : condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          );
    const status: Record<string, unknown> = {
      observedGeneration: deployment.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      ...(unavailable ? { unavailableReplicas: unavailable } : {}),
      conditions: [availableCondition, progressing],
      ...(any(deployment).status?.collisionCount
        ? { collisionCount: any(deployment).status.collisionCount }
        : {}),
    };
    // the API server omits zero counts (omitempty)
    for (const key of Object.keys(status)) {
      if (status[key] === 0) delete status[key];
    }
    await this.objects.update(
      this.types.deployments,
      namespace,
      name,
      { ...deployment, status },
      { subresource: 'status' },
    );
  }

  private async syncReplicaSet(namespace: string, name: string) {
    const replicaSet = this.find(this.types.replicasets, namespace, name);
    if (!replicaSet || replicaSet.metadata.deletionTimestamp) return;
    const spec = any(replicaSet).spec;
    const desired: number = spec.replicas ?? 1;
    let pods = this.owned(this.types.pods, namespace, replicaSet);
    for (let i = pods.length; i < desired; i++) {
      pods.push(await this.createPod(replicaSet));
    }
    if (pods.length > desired) {
      // newest first, as the controller prefers deleting the youngest ready Pods
      const byAge = [...pods].sort((a, b) =>
        String(any(b).status?.startTime ?? '').localeCompare(
          String(any(a).status?.startTime ?? ''),
        ),
      );
      for (const pod of byAge.slice(0, pods.length - desired)) {
        this.objects.delete(this.types.pods, namespace, pod.metadata.name!);
      }
      pods = this.owned(this.types.pods, namespace, replicaSet);
    }
    const ready = pods.filter(isPodReady).length;
    const fresh = this.find(this.types.replicasets, namespace, name);
    if (!fresh) return;
    const status: Record<string, unknown> = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: fresh.metadata.generation,
    };
    for (const key of Object.keys(status)) {
      if (status[key] === 0 && key !== 'replicas') delete status[key];
    }
    await this.objects.update(
      this.types.replicasets,
      namespace,
      name,
      { ...fresh, status },
      { subresource: 'status' },
    );
  }

  private async createPod(replicaSet: KubeObject): Promise<KubeObject> {
    const template = structuredClone(any(replicaSet).spec.template ?? {});
    const started = this.timestamp();
    const podSpec = { ...(template.spec ?? {}), nodeName: this.nodeName };
    const podIp = `10.244.0.${Math.floor(Math.random() * 250) + 2}`;
    const containers = (podSpec.containers ?? []) as Array<Record<string, any>>;
    const readyCondition = (type: string) => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: started,
    });
    return this.objects.create(this.types.pods, replicaSet.metadata.namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${replicaSet.metadata.name}-${randomSuffix()}`,
        generateName: `${replicaSet.metadata.name}-`,
        namespace: replicaSet.metadata.namespace,
        labels: template.metadata?.labels,
        ...(template.metadata?.annotations
          ? { annotations: template.metadata.annotations }
          : {}),
        ownerReferences: [ownerReference(replicaSet)],
      },
      spec: podSpec,
      status: {
        phase: 'Running',
        conditions: [
          readyCondition('PodReadyToStartContainers'),
          readyCondition('Initialized'),
          readyCondition('Ready'),
          readyCondition('ContainersReady'),
          readyCondition('PodScheduled'),
        ],
        hostIP: '172.18.0.2',
        hostIPs: [{ ip: '172.18.0.2' }],
        podIP: podIp,
        podIPs: [{ ip: podIp }],
        startTime: started,
        qosClass: 'BestEffort',
        containerStatuses: containers.map(c => ({
          name: c.name,
          image: c.image,
          imageID: '',
          containerID: `containerd://${randomSuffix(32)}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: started } },
        })),
      },
    });
  }
}

function controllerOf(object: KubeObject, kind: string): string | undefined {
  return object.metadata.ownerReferences?.find(
    r => r.controller && r.kind === kind,
  )?.name;
}

function ownerReference(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion ?? 'apps/v1',
    kind: owner.kind!,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function isPodReady(pod: KubeObject): boolean {
  return (
    any(pod).status?.conditions?.some(
      (c: Record<string, string>) => c.type === 'Ready' && c.status === 'True',
    ) ?? false
  );
}
