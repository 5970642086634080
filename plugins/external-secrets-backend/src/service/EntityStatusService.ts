import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ANNOTATION_GITOPS_SOURCE,
  assessConsumers,
  assessFreshness,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  ANNOTATION_KUBERNETES_NAMESPACE,
  classifyExternalSecret,
  ClusterExternalSecretStatus,
  countStates,
  DEFAULT_REFRESH_INTERVAL,
  entityLabelSelector,
  EntityExternalSecretsStatus,
  ExternalSecretStatus,
  Finding,
  forceSyncEffect,
  KvKeyMetadata,
  PushSecretStatus,
  kvApiPath,
  kvListPath,
  refreshPolicyOf,
  RemoteRefStatus,
  SecretFreshness,
  StoreStatus,
  worstState,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  ClusterCache,
  eventTime,
  ExternalSecretObject,
  LabelSelector,
  parseLabelSelector,
  PushSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { asEventLike, asExternalSecretLike } from './classifyInput';
import { currentWarning, timeOf, type CachedEvents } from './currentWarning';
import {
  clusterExternalSecretStatus,
  MAX_CES_CHILDREN,
  owningClusterExternalSecret,
  pushSecretStatus,
} from './kindRows';
import { ClusterTrustResolver } from './diagnosis/clusterTrust';
import { diagnose } from './diagnosis/diagnose';
import type { VaultFacts } from './diagnosis/diagnose';
import type { VaultFactsProvider } from './VaultFactsProvider';

/**
 * The deadline of one status answer. Reads that miss it are kept in `late`, to signal the
 * entity once they arrive; an answer already in (a cache hit) is taken even past the deadline.
 */
class Budget {
  readonly late: Array<Promise<unknown>> = [];
  private readonly deadline: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * @param waitForSlowVault - wait the whole budget even for a Vault known to be slow: for
   *   callers off the request path (the sync history records the finding of a transition once)
   */
  constructor(budgetMs: number, readonly waitForSlowVault = false) {
    this.deadline = Date.now() + budgetMs;
  }

  /**
   * Waits for `promise` until the deadline; with `patient` false only for what is settled
   * already (a cache hit), not for Vault itself.
   */
  async wait<T>(
    promise: Promise<T>,
    patient = true,
  ): Promise<{ done: true; value: T } | { done: false }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ done: false }>(resolve => {
      if (!patient) {
        // after the microtasks: a cached answer (settled promises only) is in by then
        setImmediate(() => resolve({ done: false }));
        return;
      }
      timer = setTimeout(
        () => resolve({ done: false }),
        Math.max(0, this.deadline - Date.now()),
      );
      this.timers.add(timer);
    });
    const result = await Promise.race([
      promise.then(value => ({ done: true as const, value })),
      late,
    ]);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(timer);
    }
    if (!result.done) {
      this.late.push(promise);
    }
    return result;
  }

  finish() {
    this.timers.forEach(t => clearTimeout(t));
    this.timers.clear();
  }
}

export interface EntityStatusServiceOptions {
  clusters: ClusterCache[];
  vault?: VaultFactsProvider;
  /** the clock of classification (staleness) and of the answer's time */
  now?: () => Date;
  /**
   * the time budget of one answer: Vault facts not in by then are reported missing on their row
   * and left to arrive in the background; default 1000 ms
   */
  budgetMs?: number;
  /** called once the facts that missed an answer's budget have arrived (to signal the entity) */
  onLateFacts?: (entityRef: string) => void;
  logger?: LoggerService;
  /** adds what the caches do not hold (the sync history); must not throw */
  annotate?: (
    status: EntityExternalSecretsStatus,
  ) => Promise<EntityExternalSecretsStatus>;
}

/** Errors already logged per row, so a row that fails on every request is logged once. */
const MAX_REMEMBERED_ERRORS = 1000;

/** How an entity selects its ExternalSecrets: label selector and optional namespace. */
export interface EntitySelection {
  selector: LabelSelector;
  namespace?: string;
}

/**
 * The selection an entity's annotations describe, or undefined when it has none. Throws
 * `InputError` when the annotations hold an invalid label selector, or one not anchored to the
 * entity: an empty `backstage.io/kubernetes-label-selector`, or one that pins no label to a value
 * (`!x`, `x`, `x!=y`, `x notin (…)` alone), would match the ExternalSecrets of every team in every
 * namespace — to show them and to "Sync now" them.
 */
export function entitySelection(entity: Entity): EntitySelection | undefined {
  const ref = () => stringifyEntityRef(entity);
  const annotations = entity.metadata.annotations ?? {};
  if (
    ANNOTATION_KUBERNETES_LABEL_SELECTOR in annotations &&
    !annotations[ANNOTATION_KUBERNETES_LABEL_SELECTOR]?.trim()
  ) {
    throw new InputError(
      `Entity ${ref()} has an empty ${ANNOTATION_KUBERNETES_LABEL_SELECTOR} annotation, which would select every ExternalSecret; set it to a selector that names this entity's label (e.g. app.kubernetes.io/name=<name>) or remove it`,
    );
  }
  const text = entityLabelSelector(entity);
  if (!text) {
    return undefined;
  }
  let selector: LabelSelector;
  try {
    selector = parseLabelSelector(text);
  } catch (error) {
    throw new InputError(
      `Entity ${ref()} has an invalid Kubernetes label selector: ${
        (error as Error).message
      }`,
    );
  }
  if (!selector.pinsLabelValue()) {
    throw new InputError(
      `Entity ${ref()} has the label selector "${text}", which pins no label to a value and so would select the ExternalSecrets of every team; include at least one key=value or key in (values) requirement that names this entity`,
    );
  }
  const namespace =
    entity.metadata.annotations?.[ANNOTATION_KUBERNETES_NAMESPACE]?.trim();
  return { selector, namespace: namespace || undefined };
}

/**
 * When ESO last changed the target Secret: its newest Normal `Created` or `Updated` Event. ESO
 * (v2.9.0, pkg/controllers/externalsecret/externalsecret_controller.go, createSecret and
 * updateSecret) records `Created` "secret created" when it creates the Secret and `Updated`
 * "secret updated" only when the Secret it computed differs from the one in the cluster — a sync
 * that finds the Secret unchanged records nothing. (A change of the Secret's labels or
 * annotations counts too, which errs on the side of "restart needed".) Undefined when no such
 * Event is kept: Kubernetes drops Events after an hour by default.
 */
export function lastDataChangeOf(events: CachedEvents): string | undefined {
  let newest = 0;
  for (const e of events) {
    if (
      (e.type ?? 'Normal') !== 'Normal' ||
      (e.reason !== 'Updated' && e.reason !== 'Created')
    ) {
      continue;
    }
    // The times the recorder wrote; the object's creationTimestamp only when it wrote none
    // (and never to order events: several may be created in the same second).
    const recorded = Math.max(
      timeOf(e.series?.lastObservedTime),
      timeOf(e.lastTimestamp),
      timeOf(e.eventTime),
    );
    newest = Math.max(newest, recorded > 0 ? recorded : eventTime(e));
  }
  return newest > 0 ? new Date(newest).toISOString() : undefined;
}

/** ESO's Ready reasons that say the target Secret is gone. */
const TARGET_GONE_REASONS = new Set(['SecretMissing', 'SecretDeleted']);

/**
 * The target Secret as the ExternalSecret's own status tells it — the backend has no access to
 * Secrets. ESO names the Secret it wrote in `status.binding`; Ready reasons `SecretMissing` and
 * `SecretDeleted` say it is gone; a Ready=True sync or a recorded `refreshTime` means ESO wrote
 * it. Key names are those the spec maps (`spec.data[].secretKey`); `dataFrom` keys are known only
 * to Vault and are not listed.
 */
export function targetSecretOf(object: ExternalSecretObject) {
  const status = object.status;
  const ready = status?.conditions?.find(c => c?.type === 'Ready');
  const name =
    status?.binding?.name ||
    object.spec?.target?.name ||
    object.metadata?.name ||
    '';
  const gone = !!ready?.reason && TARGET_GONE_REASONS.has(ready.reason);
  const exists =
    !gone &&
    (!!status?.binding?.name ||
      ready?.status === 'True' ||
      !!status?.refreshTime);
  const keys = exists
    ? (object.spec?.data ?? [])
        .map(d => d?.secretKey)
        .filter((k): k is string => typeof k === 'string' && k !== '')
    : [];
  return { name, exists, keys: [...new Set(keys)] };
}

function storeRefOf(object: ExternalSecretObject) {
  const ref = object.spec?.secretStoreRef ?? {};
  const kind: StoreStatus['kind'] =
    ref.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
  return { kind, name: ref.name ?? '' };
}

/**
 * Builds an entity's ExternalSecrets status from the cluster caches (no Kubernetes call) and,
 * for failing rows only, Vault's configuration through the cached {@link VaultFactsProvider}.
 */
export class EntityStatusService {
  private readonly clusters: ClusterCache[];
  private readonly vault?: VaultFactsProvider;
  private readonly now: () => Date;
  private readonly budgetMs: number;
  private readonly onLateFacts?: (entityRef: string) => void;
  private readonly logger?: LoggerService;
  private readonly loggedErrors = new Set<string>();
  private readonly annotate?: EntityStatusServiceOptions['annotate'];
  private readonly trust = new ClusterTrustResolver();

  constructor(options: EntityStatusServiceOptions) {
    this.clusters = options.clusters;
    this.vault = options.vault;
    this.now = options.now ?? (() => new Date());
    this.budgetMs = options.budgetMs ?? 1000;
    this.onLateFacts = options.onLateFacts;
    this.logger = options.logger;
    this.annotate = options.annotate;
  }

  /**
   * The entity's status, from memory: every row at once, Vault facts for failing rows in
   * parallel and waited for at most the budget. One row's failure stays on that row.
   */
  async getStatus(entity: Entity): Promise<EntityExternalSecretsStatus> {
    const entityRef = stringifyEntityRef(entity);
    const selection = entitySelection(entity);
    const now = this.now();
    const budget = new Budget(this.budgetMs);
    const sourceLocation =
      entity.metadata.annotations?.[ANNOTATION_GITOPS_SOURCE];
    const jobs: Array<Promise<ExternalSecretStatus>> = [];
    /** per cluster: the ClusterExternalSecrets owning one of the entity's ExternalSecrets */
    const owners = new Map<string, Set<string>>();
    if (selection) {
      for (const cluster of this.clusters) {
        const health = cluster.health();
        const owning = new Set<string>();
        owners.set(cluster.name, owning);
        for (const object of cluster.findExternalSecrets(
          selection.selector,
          selection.namespace,
        )) {
          const owner = owningClusterExternalSecret(object);
          if (owner) owning.add(owner);
          jobs.push(
            this.safeRow(cluster, health, object, now, sourceLocation, budget),
          );
        }
      }
    }
    const rows = await Promise.all(jobs);
    const pushSecrets = selection ? this.pushSecretRows(selection, now) : [];
    const clusterExternalSecrets = selection
      ? await this.clusterExternalSecretRows(
          selection,
          owners,
          rows,
          now,
          sourceLocation,
          budget,
        )
      : [];
    budget.finish();
    if (budget.late.length > 0 && this.onLateFacts) {
      const notify = this.onLateFacts;
      Promise.allSettled(budget.late).then(() => notify(entityRef));
    }
    rows.sort((a, b) =>
      `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(
        `${b.cluster}/${b.namespace}/${b.name}`,
      ),
    );
    const states = rows.map(r => r.state);
    const status: EntityExternalSecretsStatus = {
      entityRef,
      generatedAt: now.toISOString(),
      overall: worstState(states),
      counts: countStates(states),
      clusters: this.clusters.map(c => c.health()),
      externalSecrets: rows,
      ...(clusterExternalSecrets.length ? { clusterExternalSecrets } : {}),
      ...(pushSecrets.length ? { pushSecrets } : {}),
    };
    return this.annotate ? this.annotate(status) : status;
  }

  /** The entity's PushSecrets (labelled like its ExternalSecrets), from the caches only. */
  private pushSecretRows(
    selection: EntitySelection,
    now: Date,
  ): PushSecretStatus[] {
    const result: PushSecretStatus[] = [];
    for (const cluster of this.clusters) {
      let objects: PushSecretObject[];
      try {
        objects = cluster.findPushSecrets(
          selection.selector,
          selection.namespace,
        );
      } catch (error) {
        this.logOnce(cluster.name, '', '', 'PushSecret list', error);
        continue;
      }
      for (const object of objects) {
        try {
          result.push(
            pushSecretStatus(
              cluster,
              object,
              now,
              this.trust.resolve(cluster.config),
            ),
          );
        } catch (error) {
          this.logOnce(
            cluster.name,
            String(object?.metadata?.namespace ?? ''),
            String(object?.metadata?.name ?? ''),
            'PushSecret status',
            error,
          );
        }
      }
    }
    return result.sort((a, b) =>
      `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(
        `${b.cluster}/${b.namespace}/${b.name}`,
      ),
    );
  }

  /**
   * The entity's ClusterExternalSecrets: those labelled for it and those owning one of its
   * ExternalSecrets, with the rows of the ExternalSecrets they provisioned (the entity's own
   * rows where it has them, others built within the same budget).
   */
  private async clusterExternalSecretRows(
    selection: EntitySelection,
    owners: Map<string, Set<string>>,
    rows: ExternalSecretStatus[],
    now: Date,
    sourceLocation: string | undefined,
    budget: Budget,
  ): Promise<ClusterExternalSecretStatus[]> {
    const result: ClusterExternalSecretStatus[] = [];
    for (const cluster of this.clusters) {
      try {
        const names = new Set(owners.get(cluster.name) ?? []);
        try {
          for (const ces of cluster.listClusterExternalSecrets()) {
            if (selection.selector.matches(ces.metadata?.labels)) {
              names.add(String(ces.metadata?.name ?? ''));
            }
          }
        } catch (error) {
          // the owners found through the entity's ExternalSecrets still stand
          this.logOnce(
            cluster.name,
            '',
            '',
            'ClusterExternalSecret list',
            error,
          );
        }
        const health = cluster.health();
        for (const name of [...names].sort()) {
          const ces = cluster.getClusterExternalSecret(name);
          if (!ces) continue;
          const esName =
            ces.status?.externalSecretName ||
            ces.spec?.externalSecretName ||
            name;
          const children = await Promise.all(
            (ces.status?.provisionedNamespaces ?? [])
              .slice(0, MAX_CES_CHILDREN)
              .map(namespace => {
                const own = rows.find(
                  r =>
                    r.cluster === cluster.name &&
                    r.namespace === namespace &&
                    r.name === esName,
                );
                if (own) return own;
                const object = cluster.getExternalSecret(namespace, esName);
                return object
                  ? this.safeRow(
                      cluster,
                      health,
                      object,
                      now,
                      sourceLocation,
                      budget,
                    )
                  : undefined;
              }),
          );
          result.push(
            clusterExternalSecretStatus(
              cluster,
              ces,
              children.filter((c): c is ExternalSecretStatus => !!c),
            ),
          );
        }
      } catch (error) {
        this.logOnce(cluster.name, '', '', 'ClusterExternalSecret', error);
      }
    }
    return result;
  }

  /** One ExternalSecret's row as an entity's status shows it (the sync history's findings). */
  statusOf(
    cluster: ClusterCache,
    object: ExternalSecretObject,
  ): Promise<ExternalSecretStatus> {
    // not a user's request: the finding is recorded once, so it is worth the whole budget
    const budget = new Budget(this.budgetMs, true);
    return this.safeRow(
      cluster,
      cluster.health(),
      object,
      this.now(),
      undefined,
      budget,
    ).finally(() => budget.finish());
  }

  /** The cache holding an ExternalSecret that belongs to the entity, or undefined. */
  findOwned(
    entity: Entity,
    target: { cluster: string; namespace: string; name: string },
  ): ClusterCache | undefined {
    const selection = entitySelection(entity);
    const cluster = this.clusters.find(c => c.name === target.cluster);
    if (!selection || !cluster) {
      return undefined;
    }
    if (selection.namespace && selection.namespace !== target.namespace) {
      return undefined;
    }
    const object = cluster.getExternalSecret(target.namespace, target.name);
    return object && selection.selector.matches(object.metadata?.labels)
      ? cluster
      : undefined;
  }

  /** A row whatever happens while building it: an error becomes that row's finding. */
  private async safeRow(
    cluster: ClusterCache,
    health: ReturnType<ClusterCache['health']>,
    object: ExternalSecretObject,
    now: Date,
    sourceLocation: string | undefined,
    budget: Budget,
  ): Promise<ExternalSecretStatus> {
    try {
      return await this.row(
        cluster,
        health,
        object,
        now,
        sourceLocation,
        budget,
      );
    } catch (error) {
      const namespace = String(object?.metadata?.namespace ?? '');
      const name = String(object?.metadata?.name ?? '');
      this.logOnce(cluster.name, namespace, name, 'status', error);
      return {
        cluster: cluster.name,
        namespace,
        name,
        state: 'Unknown',
        reason: 'StatusUnavailable',
        message:
          "The backend could not read this ExternalSecret's status; the details are in its log",
        stale: false,
        store: { kind: 'SecretStore', name: '', found: false },
        target: { name, exists: false, keys: [] },
        remoteRefs: [],
        conditions: [],
        findings: [
          {
            code: 'STATUS_UNAVAILABLE',
            severity: 'warning',
            summary: `The status of ExternalSecret ${namespace}/${name} could not be read: the object is not what the backend expects.`,
            fix: 'Check the object with "kubectl get externalsecret -o yaml"; the backend log has the error.',
            evidence: { externalSecret: `${namespace}/${name}` },
          },
        ],
        sourceLocation,
      };
    }
  }

  private logOnce(
    cluster: string,
    namespace: string,
    name: string,
    what: string,
    error: unknown,
  ) {
    const key = `${cluster}/${namespace}/${name}/${what}/${String(error)}`;
    if (this.loggedErrors.has(key)) {
      return;
    }
    if (this.loggedErrors.size >= MAX_REMEMBERED_ERRORS) {
      this.loggedErrors.delete(this.loggedErrors.values().next().value!);
    }
    this.loggedErrors.add(key);
    this.logger?.warn(
      `External Secrets ${what} of ${cluster}/${namespace}/${name} failed: ${
        error instanceof Error ? error.stack ?? error.message : String(error)
      }`,
    );
  }

  private async row(
    cluster: ClusterCache,
    health: ReturnType<ClusterCache['health']>,
    object: ExternalSecretObject,
    now: Date,
    sourceLocation: string | undefined,
    budget: Budget,
  ): Promise<ExternalSecretStatus> {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    const storeRef = storeRefOf(object);
    const store = cluster.getStore(storeRef.kind, storeRef.name, namespace);
    const esWarning = asEventLike(
      currentWarning(
        cluster.eventsFor('ExternalSecret', namespace, name),
        object.status?.conditions,
      ),
    );
    const storeWarning = store
      ? asEventLike(
          currentWarning(
            cluster.eventsFor(
              storeRef.kind,
              storeRef.kind === 'SecretStore' ? namespace : undefined,
              storeRef.name,
            ),
            store.status?.conditions,
          ),
        )
      : undefined;
    const classification = classifyExternalSecret(
      asExternalSecretLike(object),
      now,
      esWarning,
    );
    const target = targetSecretOf(object);
    const vaultSpec = store?.spec?.provider?.vault;
    const k8sAuth = vaultSpec?.auth?.kubernetes;
    const mount = vaultSpec?.path?.replace(/\/+$/, '');
    const v2 = vaultSpec?.version !== 'v1';
    const storeReady = store?.status?.conditions?.find(c => c.type === 'Ready');
    const version = v2 ? 2 : 1;
    const remoteRefs: RemoteRefStatus[] = [
      ...(object.spec?.data ?? []).map(d => ({
        secretKey: d.secretKey,
        key: d.remoteRef?.key ?? '',
        property: d.remoteRef?.property,
        source: 'data' as const,
      })),
      ...(object.spec?.dataFrom ?? [])
        .filter(d => d?.extract?.key)
        .map(d => ({
          key: d.extract!.key!,
          property: d.extract?.property,
          dataFrom: true,
          source: 'extract' as const,
        })),
    ].map(ref => ({
      ...ref,
      vaultPath:
        mount && ref.key ? kvApiPath(mount, ref.key, version) : undefined,
    }));
    for (const d of object.spec?.dataFrom ?? []) {
      if (d?.find && !d.extract?.key) {
        remoteRefs.push({
          key: d.find.path ?? '',
          dataFrom: true,
          source: 'find',
          find: { nameRegexp: d.find.name?.regexp, tags: d.find.tags },
          vaultPath: mount
            ? kvListPath(mount, d.find.path, version)
            : undefined,
        });
      }
    }

    const remoteKeys = [
      ...new Set(
        remoteRefs
          .filter(r => r.source !== 'find')
          .map(r => r.key)
          .filter(Boolean),
      ),
    ];
    const needsVault =
      !!this.vault &&
      (classification.state === 'Error' || storeReady?.status === 'False');
    // Freshness is asked of every row on the backend's Vault, healthy ones above all: a new
    // version in Vault is news exactly when everything else is fine.
    const freshnessReading = this.freshnessOf(
      vaultSpec?.server,
      mount,
      v2,
      remoteKeys,
      classification.lastSyncTime,
      object,
      budget,
    );
    let vault: VaultFacts | undefined;
    let vaultLate = false;
    let vaultKnownSlow = false;
    if (needsVault) {
      const reading = this.vault!.factsFor(
        {
          server: vaultSpec?.server,
          path: mount,
          authMountPath: k8sAuth?.mountPath,
          role: k8sAuth?.role,
        },
        remoteKeys,
      );
      vaultKnownSlow =
        !budget.waitForSlowVault && this.vault!.isSlow(vaultSpec?.server);
      const answer = await budget.wait(reading, !vaultKnownSlow);
      vault = answer.done ? answer.value : undefined;
      vaultLate = !answer.done;
    }
    const freshness = await freshnessReading;

    let findings: Finding[];
    try {
      findings = diagnose({
        externalSecret: object,
        classification,
        storeKind: storeRef.kind,
        storeName: storeRef.name,
        store,
        externalSecretWarning: esWarning,
        storeWarning,
        targetExists: target.exists,
        cluster: this.trust.resolve(cluster.config),
        vault,
      });
    } catch (error) {
      this.logOnce(cluster.name, namespace, name, 'diagnosis', error);
      findings = [
        {
          code: 'DIAGNOSIS_FAILED',
          severity: 'warning',
          summary: `Diagnosis of ExternalSecret ${namespace}/${name} failed, so its state (${classification.state}) is shown without an explanation.`,
          fix: "The backend's log has the error; the ExternalSecret's events (kubectl describe externalsecret) still say what ESO saw.",
          evidence: { externalSecret: `${namespace}/${name}` },
        },
      ];
    }
    if (!store && !health.synced) {
      // The store list has not arrived yet (a cluster just up, or still down since start):
      // absence from an empty cache proves nothing, and the cluster's health says what is wrong.
      findings = findings.filter(f => f.code !== 'STORE_MISSING');
    }
    if (vaultLate) {
      findings.push({
        code: 'VAULT_FACTS_PENDING',
        severity: 'info',
        summary: vaultKnownSlow
          ? `Vault is answering slowly (its reads take longer than ${this.budgetMs} ms), so this answer did not wait for the diagnosis reads of ${namespace}/${name}; findings that need Vault's side are missing.`
          : `Vault has not answered the diagnosis reads for ${namespace}/${name} within ${this.budgetMs} ms; findings that need Vault's side are missing from this answer.`,
        fix: "Nothing to do if it passes: the reads go on in the background and the page updates when they arrive. If it stays, check Vault's health and the network path from the backend to Vault.",
        evidence: { server: vaultSpec?.server ?? '' },
      });
    }

    let { state, reason, message } = classification;
    if (state === 'Synced' && freshness?.state === 'PendingRotation') {
      state = 'PendingRotation';
      reason = 'NewVersionInVault';
      message = freshness.summary;
    }
    if (!health.reachable) {
      findings.unshift({
        code: 'CLUSTER_UNREACHABLE',
        severity: 'warning',
        summary: `Cluster ${cluster.name} cannot be reached; this row shows the last known state (${classification.state}).`,
        fix: 'Check the cluster URL, token and CA in externalSecrets.clusters and the network path to the API server.',
        evidence: { cluster: cluster.name, error: health.error ?? '' },
      });
      state = 'Unknown';
      reason = 'ClusterUnreachable';
      message = `Cluster ${cluster.name} is unreachable (${
        health.error ?? 'no answer'
      }); last known state: ${classification.state}${
        classification.message ? ` – ${classification.message}` : ''
      }`;
    }

    const pods = cluster.podsHealth();
    const consumers =
      pods.listed && target.exists
        ? assessConsumers(
            namespace,
            target.name,
            cluster.podsUsing(namespace, target.name),
            lastDataChangeOf(
              cluster.eventsFor('ExternalSecret', namespace, name),
            ),
          )
        : undefined;
    const consumersError =
      pods.watched && !pods.listed && pods.error
        ? `Pods of cluster ${cluster.name} cannot be listed (${pods.error}); grant the backend list/watch on pods (deploy/clusterrole.yaml) to see the Secret's consumers`
        : undefined;

    return {
      cluster: cluster.name,
      namespace,
      name,
      state,
      reason,
      message,
      consumers,
      consumersError,
      lastSyncTime: classification.lastSyncTime,
      refreshInterval: object.spec?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
      refreshPolicy: refreshPolicyOf(asExternalSecretLike(object)),
      syncNow: forceSyncEffect(asExternalSecretLike(object), target.exists),
      templated: !!object.spec?.target?.template || undefined,
      stale: classification.stale || classification.behindSpec,
      store: {
        kind: storeRef.kind,
        name: storeRef.name,
        found: !!store,
        ready: storeReady ? storeReady.status === 'True' : undefined,
        reason: storeReady?.reason,
        message:
          storeReady?.status === 'False' && storeWarning?.message
            ? storeWarning.message
            : storeReady?.message,
        vault: vaultSpec
          ? {
              server: vaultSpec.server,
              path: vaultSpec.path,
              version: vaultSpec.version,
              authMountPath: k8sAuth?.mountPath,
              role: k8sAuth?.role,
              policies: vault?.role ? vault.role.tokenPolicies : undefined,
              serviceAccount: k8sAuth?.serviceAccountRef
                ? {
                    name: k8sAuth.serviceAccountRef.name,
                    namespace: k8sAuth.serviceAccountRef.namespace,
                  }
                : undefined,
            }
          : undefined,
      },
      target,
      remoteRefs,
      conditions: object.status?.conditions ?? [],
      findings,
      sourceLocation,
      freshness,
    };
  }

  /**
   * The row's freshness from Vault's KV metadata, within the answer's budget: keys whose
   * metadata is not in by then say so, and the read goes on to signal the entity. KV v1 stores
   * are answered without a read: v1 keeps no versions.
   */
  private async freshnessOf(
    server: string | undefined,
    mount: string | undefined,
    v2: boolean,
    keys: string[],
    lastSyncTime: string | undefined,
    object: ExternalSecretObject,
    budget: Budget,
  ): Promise<SecretFreshness | undefined> {
    if (
      !this.vault ||
      !mount ||
      keys.length === 0 ||
      !this.vault.covers(server)
    ) {
      return undefined;
    }
    let metadata: Record<string, KvKeyMetadata> | undefined;
    if (v2) {
      const answer = await budget.wait(
        this.vault.kvMetadataFor({ server, path: mount }, keys),
        budget.waitForSlowVault || !this.vault.isSlow(server),
      );
      metadata = answer.done ? answer.value : undefined;
    } else {
      metadata = Object.fromEntries(
        keys.map(k => [k, { kvVersion: 1 as const, currentVersion: 0 }]),
      );
    }
    return assessFreshness({
      lastSyncTime,
      refreshInterval: object.spec?.refreshInterval,
      refreshPolicy: refreshPolicyOf(asExternalSecretLike(object)),
      keys: keys.map(key => ({
        key,
        metadata: metadata?.[key] ?? {
          error: `Vault did not answer within ${this.budgetMs} ms; the page updates when it does`,
        },
      })),
    });
  }
}
