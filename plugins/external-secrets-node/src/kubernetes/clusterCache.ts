import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  Observable,
  ObservableMiddleware,
  PatchStrategy,
  RequestContext,
  ResponseContext,
  type ConfigurationOptions,
} from '@kubernetes/client-node';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_ESO_FORCE_SYNC,
  ClusterStatus,
  ESO_API_GROUP,
  LABEL_KUBERNETES_ID,
  podSecretUsage,
  PodSecretUsage,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ClusterConfig } from './clusterConfig';
import { createKubeConfig } from './kubeConfig';
import { describeKubernetesError } from './kubernetesErrors';
import type { LabelSelector } from './labelSelector';
import type { SecretStoreKind as StoreKind } from '../manifests/types';
import type {
  CachedResource,
  ClusterExternalSecretObject,
  EventObject,
  ExternalSecretObject,
  PodObject,
  PushSecretObject,
  SecretStoreObject,
} from './objects';
import {
  BackoffOptions,
  CacheChangeType,
  ListPageRequest,
  ResourceInformer,
} from './resourceInformer';

const ESO_VERSION = 'v1';
/** PushSecret is served as v1alpha1 only (ESO 2.x). */
const ESO_PUSH_VERSION = 'v1alpha1';

/** Kinds whose Events are cached, one watch each (a field selector cannot OR kinds). */
const EVENT_KINDS = [
  'ExternalSecret',
  'ClusterSecretStore',
  'SecretStore',
  'PushSecret',
] as const;

/**
 * Kinds a cluster may not serve or the backend may not be allowed to list yet (a ClusterRole
 * from before they were cached): their failure is reported but does not make the cluster
 * unreachable — its ExternalSecrets still show.
 */
const OPTIONAL_RESOURCES = new Set([
  'ClusterExternalSecret',
  'PushSecret',
  'Event(PushSecret)',
]);

/**
 * A failed request to an API server, with a message safe to show to users (the full error is in
 * the backend's log) and the HTTP status when the server answered.
 *
 * @public
 */
export class KubernetesRequestError extends Error {
  readonly statusCode?: number;
  constructor(message: string, status?: unknown) {
    super(message);
    this.name = 'KubernetesRequestError';
    this.statusCode = typeof status === 'number' ? status : undefined;
  }
}

/**
 * A change to an object in a cluster cache.
 *
 * @public
 */
export interface ClusterCacheChange {
  cluster: string;
  resource: CachedResource;
  type: CacheChangeType;
  object: KubernetesObject;
}

/**
 * Options of {@link ClusterCache.create}.
 *
 * @public
 */
export interface ClusterCacheOptions {
  logger: LoggerService;
  backoff?: BackoffOptions;
  /** a prepared client configuration; built from `cluster` when absent */
  kubeConfig?: KubeConfig;
  /**
   * list+watch Pods (reduced to their Secret references) to show each Secret's consumers;
   * default true. Needs `list`/`watch` on pods; without it only the consumers are missing.
   */
  watchPods?: boolean;
  /** timeouts, page size and bounds; each has a default */
  limits?: Partial<ClusterCacheLimits>;
}

/**
 * Timeouts, page size and memory bounds of a {@link ClusterCache}.
 *
 * @public
 */
export interface ClusterCacheLimits {
  /** timeout of one LIST page, of a PATCH, and of a watch request until it is answered */
  requestTimeoutMs: number;
  /** `timeoutSeconds` asked of the server for each watch; the client then re-watches */
  watchTimeoutMs: number;
  /** a watch with no line at all (not even a BOOKMARK) for this long is ended and re-listed */
  silentWatchMs: number;
  /** objects per LIST page (`limit`/`continue`) */
  pageSize: number;
  /** the newest Events kept per object (older ones are not served) */
  maxEventsPerObject: number;
  /**
   * entries kept of a status list that grows with the cluster: a ClusterExternalSecret's
   * provisioned and failed namespaces, a PushSecret's pushed refs per store
   */
  maxStatusEntries: number;
}

/** @public */
export const DEFAULT_CLUSTER_CACHE_LIMITS: ClusterCacheLimits = {
  requestTimeoutMs: 30_000,
  watchTimeoutMs: 300_000,
  silentWatchMs: 180_000,
  pageSize: 500,
  maxEventsPerObject: 10,
  maxStatusEntries: 100,
};

/** Event messages are kept to this many characters: enough for any real cause. */
const MAX_EVENT_MESSAGE = 4096;

/** Client options that give a request an abort signal (and headers). */
function requestOptions(
  signal: AbortSignal,
  headers: Record<string, string> = {},
): ConfigurationOptions<ObservableMiddleware> {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          for (const [name, value] of Object.entries(headers)) {
            context.setHeaderParam(name, value);
          }
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) =>
          new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function time(value: string | Date | null | undefined): number {
  if (!value) {
    return 0;
  }
  const parsed = new Date(value).getTime();
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * When an Event last happened (milliseconds): the newest of the times its reporter set
 * (`series.lastObservedTime`, `lastTimestamp`, `eventTime`, `firstTimestamp`); the API server's
 * `creationTimestamp` only when the reporter set none (for an aggregated event it is the time
 * of the first occurrence, not the last).
 *
 * @public
 */
export function eventTime(event: EventObject): number {
  const reported = Math.max(
    time(event.series?.lastObservedTime),
    time(event.lastTimestamp),
    time(event.eventTime),
    time(event.firstTimestamp),
  );
  return reported > 0 ? reported : time(event.metadata?.creationTimestamp);
}

function truncateMessage(text: string | undefined): string | undefined {
  return typeof text === 'string' && text.length > MAX_EVENT_MESSAGE
    ? `${text.slice(0, MAX_EVENT_MESSAGE)}…`
    : text;
}

/** What `kubectl rollout restart` sets on the pod template to roll new Pods. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/**
 * Reduces a Pod, in place, to what consumers need: its Secret references, owner, start time and
 * container names (`usage`), plus name, namespace and resource version. Every other field — the
 * rest of the spec (commands, images, env values written inline), labels, annotations, status —
 * is dropped, so 10,000 Pods cost little memory and the cache holds nothing sensitive.
 */
function reducePod(pod: PodObject): void {
  // Listed Pods pass here twice (the page, then ListWatch's add): reduce once.
  if (pod.usage && !('spec' in pod)) return;
  const usage = podSecretUsage(pod as Parameters<typeof podSecretUsage>[0]);
  const meta = pod.metadata ?? {};
  pod.metadata = {
    name: meta.name,
    namespace: meta.namespace,
    resourceVersion: meta.resourceVersion,
    uid: meta.uid,
  };
  for (const field of Object.keys(pod)) {
    if (!['apiVersion', 'kind', 'metadata'].includes(field)) {
      delete (pod as unknown as Record<string, unknown>)[field];
    }
  }
  pod.usage = usage;
}

/**
 * Keeps a ClusterExternalSecret small whatever the cluster size: its ExternalSecret template
 * (never read here) is dropped, and its namespace lists are cut to `max` entries.
 */
function pruneClusterExternalSecret(
  ces: ClusterExternalSecretObject,
  max: number,
): void {
  if (ces.spec?.externalSecretSpec) {
    ces.spec.externalSecretSpec = {
      secretStoreRef: ces.spec.externalSecretSpec.secretStoreRef,
      refreshInterval: ces.spec.externalSecretSpec.refreshInterval,
    };
  }
  const status = ces.status;
  if (status?.provisionedNamespaces) {
    status.provisionedNamespaces = status.provisionedNamespaces.slice(0, max);
  }
  if (status?.failedNamespaces) {
    status.failedNamespaces = status.failedNamespaces.slice(0, max).map(f => ({
      namespace: f.namespace,
      reason: truncateMessage(f.reason),
    }));
  }
}

/** Keeps at most `max` pushed refs per store, and of each entry only what identifies it. */
function prunePushSecret(ps: PushSecretObject, max: number): void {
  const synced = ps.status?.syncedPushSecrets;
  if (!synced) {
    return;
  }
  for (const [store, refs] of Object.entries(synced)) {
    synced[store] = Object.fromEntries(
      Object.entries(refs ?? {})
        .slice(0, max)
        .map(([ref, entry]) => {
          const match = (entry as { match?: Record<string, unknown> })?.match;
          return [
            ref,
            {
              match: {
                secretKey: match?.secretKey,
                remoteRef: match?.remoteRef,
              },
            },
          ];
        }),
    );
  }
  for (const condition of ps.status?.conditions ?? []) {
    condition.message = truncateMessage(condition.message);
  }
}

/**
 * In-memory copy of one cluster's ExternalSecrets, SecretStores, ClusterSecretStores,
 * ClusterExternalSecrets, PushSecrets, the Events about them and Pods (reduced to their Secret
 * references), kept current by list+watch and indexed by the `backstage.io/kubernetes-id`
 * label and namespace. Reads never call the API server. Nothing here touches Secrets: RBAC
 * `list` or `watch` on Secrets is full read of every value, whatever the client asks for, so the
 * target Secret's state comes from the ExternalSecret's own status.
 *
 * @public
 */
export class ClusterCache {
  readonly name: string;
  readonly config: ClusterConfig;
  private readonly kubeConfig: KubeConfig;
  private readonly logger: LoggerService;
  private readonly limits: ClusterCacheLimits;
  private readonly externalSecrets: ResourceInformer<ExternalSecretObject>;
  private readonly clusterStores: ResourceInformer<SecretStoreObject>;
  private readonly namespacedStores: ResourceInformer<SecretStoreObject>;
  private readonly clusterExternalSecrets: ResourceInformer<ClusterExternalSecretObject>;
  private readonly pushSecrets: ResourceInformer<PushSecretObject>;
  private readonly pushSecretsByKubernetesId = new Map<string, Set<string>>();
  private readonly kubernetesIdOfPushSecret = new Map<string, string>();
  private readonly eventInformers: ResourceInformer<EventObject>[];
  private readonly pods: ResourceInformer<PodObject> | undefined;
  /** `<namespace>/<secret>` → keys of the Pods referencing it */
  private readonly podsBySecret = new Map<string, Set<string>>();
  private readonly secretsOfPod = new Map<string, string[]>();
  private readonly listeners = new Set<(change: ClusterCacheChange) => void>();
  private readonly byKubernetesId = new Map<string, Set<string>>();
  private readonly kubernetesIdOf = new Map<string, string>();
  private readonly eventsByObject = new Map<string, Set<string>>();
  private readonly objectOfEvent = new Map<string, string>();

  static create(
    cluster: ClusterConfig,
    options: ClusterCacheOptions,
  ): ClusterCache {
    if (cluster.skipTLSVerify) {
      options.logger.warn(
        `Cluster ${cluster.name}: skipTLSVerify is true, the API server's certificate is not checked`,
      );
    }
    return new ClusterCache(
      cluster,
      options.kubeConfig ?? createKubeConfig(cluster),
      options,
    );
  }

  private constructor(
    cluster: ClusterConfig,
    kubeConfig: KubeConfig,
    options: ClusterCacheOptions,
  ) {
    this.name = cluster.name;
    this.config = cluster;
    this.kubeConfig = kubeConfig;
    this.logger = options.logger.child({ cluster: cluster.name });
    this.limits = { ...DEFAULT_CLUSTER_CACHE_LIMITS, ...options.limits };
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const common = {
      kubeConfig,
      backoff: options.backoff,
      limits: {
        pageSize: this.limits.pageSize,
        requestTimeoutMs: this.limits.requestTimeoutMs,
        connectMs: this.limits.requestTimeoutMs,
        timeoutMs: this.limits.watchTimeoutMs,
        silentMs: this.limits.silentWatchMs,
      },
    };
    const eso =
      (plural: string, version = ESO_VERSION) =>
      ({ limit, continueToken, signal }: ListPageRequest) =>
        custom.listClusterCustomObject(
          {
            group: ESO_API_GROUP,
            version,
            plural,
            limit,
            _continue: continueToken,
          },
          requestOptions(signal),
        ) as Promise<KubernetesListObject<any>>;

    this.externalSecrets = new ResourceInformer<ExternalSecretObject>({
      ...common,
      resource: 'ExternalSecret',
      path: `/apis/${ESO_API_GROUP}/${ESO_VERSION}/externalsecrets`,
      listPage: eso('externalsecrets'),
      onChange: (type, object) => this.externalSecretChanged(type, object),
      onError: (error, repeated) =>
        this.informerFailed('ExternalSecret', error, repeated),
    });
    this.clusterStores = new ResourceInformer<SecretStoreObject>({
      ...common,
      resource: 'ClusterSecretStore',
      path: `/apis/${ESO_API_GROUP}/${ESO_VERSION}/clustersecretstores`,
      listPage: eso('clustersecretstores'),
      onChange: (type, object) => this.emit('ClusterSecretStore', type, object),
      onError: (error, repeated) =>
        this.informerFailed('ClusterSecretStore', error, repeated),
    });
    this.namespacedStores = new ResourceInformer<SecretStoreObject>({
      ...common,
      resource: 'SecretStore',
      path: `/apis/${ESO_API_GROUP}/${ESO_VERSION}/secretstores`,
      listPage: eso('secretstores'),
      onChange: (type, object) => this.emit('SecretStore', type, object),
      onError: (error, repeated) =>
        this.informerFailed('SecretStore', error, repeated),
    });
    const maxEntries = this.limits.maxStatusEntries;
    this.clusterExternalSecrets =
      new ResourceInformer<ClusterExternalSecretObject>({
        ...common,
        resource: 'ClusterExternalSecret',
        path: `/apis/${ESO_API_GROUP}/${ESO_VERSION}/clusterexternalsecrets`,
        listPage: eso('clusterexternalsecrets'),
        prune: ces => pruneClusterExternalSecret(ces, maxEntries),
        onChange: (type, object) =>
          this.emit('ClusterExternalSecret', type, object),
        onError: (error, repeated) =>
          this.informerFailed('ClusterExternalSecret', error, repeated),
      });
    this.pushSecrets = new ResourceInformer<PushSecretObject>({
      ...common,
      resource: 'PushSecret',
      path: `/apis/${ESO_API_GROUP}/${ESO_PUSH_VERSION}/pushsecrets`,
      listPage: eso('pushsecrets', ESO_PUSH_VERSION),
      prune: ps => prunePushSecret(ps, maxEntries),
      onChange: (type, object) => this.pushSecretChanged(type, object),
      onError: (error, repeated) =>
        this.informerFailed('PushSecret', error, repeated),
    });
    // A field selector cannot OR kinds, so each involved kind gets its own watch.
    this.eventInformers = EVENT_KINDS.map(kind => {
      const fieldSelector = `involvedObject.kind=${kind}`;
      return new ResourceInformer<EventObject>({
        ...common,
        resource: `Event(${kind})`,
        path: '/api/v1/events',
        fieldSelector,
        listPage: ({ limit, continueToken, signal }) =>
          core.listEventForAllNamespaces(
            { fieldSelector, limit, _continue: continueToken },
            requestOptions(signal),
          ) as Promise<KubernetesListObject<EventObject>>,
        prune: event => {
          if (
            typeof event.message === 'string' &&
            event.message.length > MAX_EVENT_MESSAGE
          ) {
            event.message = `${event.message.slice(0, MAX_EVENT_MESSAGE)}…`;
          }
        },
        onChange: (type, object) => this.eventChanged(type, object),
        onError: (error, repeated) =>
          this.informerFailed(`Event(${kind})`, error, repeated),
      });
    });
    this.pods =
      options.watchPods === false
        ? undefined
        : new ResourceInformer<PodObject>({
            ...common,
            resource: 'Pod',
            path: '/api/v1/pods',
            listPage: ({ limit, continueToken, signal }) =>
              core.listPodForAllNamespaces(
                { limit, _continue: continueToken },
                requestOptions(signal),
              ) as Promise<KubernetesListObject<PodObject>>,
            prune: reducePod,
            onChange: (type, object) => this.podChanged(type, object),
            onError: (error, repeated) =>
              this.informerFailed('Pod', error, repeated),
          });
  }

  /**
   * The Pods that reference Secret `secret` in `namespace`, reduced to their usage. Empty when
   * Pods are not watched or not yet listed; see {@link ClusterCache.podsHealth}.
   */
  podsUsing(namespace: string, secret: string): PodSecretUsage[] {
    if (!this.pods) return [];
    return [...(this.podsBySecret.get(key(namespace, secret)) ?? [])]
      .map(k => {
        const [ns, name] = k.split('/');
        return this.pods!.get(name, ns)?.usage;
      })
      .filter((u): u is PodSecretUsage => u !== undefined);
  }

  /**
   * Whether the Pod cache can answer: off by config, not listed yet, or failing (typically no
   * RBAC on pods). Kept apart from {@link ClusterCache.health}: without Pods only the consumers
   * are missing, never the ExternalSecrets' state.
   */
  podsHealth(): { watched: boolean; listed: boolean; error?: string } {
    if (!this.pods) return { watched: false, listed: false };
    const state = this.pods.health();
    return {
      watched: true,
      listed: state.listed && state.healthy,
      error: state.healthy ? undefined : state.lastError,
    };
  }

  /** Starts every list+watch in the background; returns at once. */
  start(): void {
    for (const informer of this.informers()) {
      informer.start();
    }
    this.pods?.start();
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.informers(), ...(this.pods ? [this.pods] : [])].map(i =>
        i.stop(),
      ),
    );
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: ClusterCacheChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The ExternalSecrets a label selector picks, optionally in one namespace. Selectors that
   * require a `backstage.io/kubernetes-id` value use the index instead of a scan.
   */
  findExternalSecrets(
    selector: LabelSelector,
    namespace?: string,
  ): ExternalSecretObject[] {
    const id = selector.equalityValue(LABEL_KUBERNETES_ID);
    const candidates =
      id !== undefined
        ? [...(this.byKubernetesId.get(id) ?? [])]
            .map(k => {
              const [ns, name] = k.split('/');
              return this.externalSecrets.get(name, ns);
            })
            .filter((o): o is ExternalSecretObject => o !== undefined)
        : this.externalSecrets.list(namespace);
    return candidates.filter(
      o =>
        (namespace === undefined || o.metadata?.namespace === namespace) &&
        selector.matches(o.metadata?.labels),
    );
  }

  getExternalSecret(
    namespace: string,
    name: string,
  ): ExternalSecretObject | undefined {
    return this.externalSecrets.get(name, namespace);
  }

  listExternalSecrets(namespace?: string): ExternalSecretObject[] {
    return this.externalSecrets.list(namespace);
  }

  /** The PushSecrets a label selector picks, optionally in one namespace (indexed like ExternalSecrets). */
  findPushSecrets(
    selector: LabelSelector,
    namespace?: string,
  ): PushSecretObject[] {
    const id = selector.equalityValue(LABEL_KUBERNETES_ID);
    const candidates =
      id !== undefined
        ? [...(this.pushSecretsByKubernetesId.get(id) ?? [])]
            .map(k => {
              const [ns, name] = k.split('/');
              return this.pushSecrets.get(name, ns);
            })
            .filter((o): o is PushSecretObject => o !== undefined)
        : this.pushSecrets.list(namespace);
    return candidates.filter(
      o =>
        (namespace === undefined || o.metadata?.namespace === namespace) &&
        selector.matches(o.metadata?.labels),
    );
  }

  getClusterExternalSecret(
    name: string,
  ): ClusterExternalSecretObject | undefined {
    return this.clusterExternalSecrets.get(name);
  }

  listClusterExternalSecrets(): ClusterExternalSecretObject[] {
    return this.clusterExternalSecrets.list();
  }

  getStore(
    kind: StoreKind,
    name: string,
    namespace?: string,
  ): SecretStoreObject | undefined {
    return kind === 'ClusterSecretStore'
      ? this.clusterStores.get(name)
      : this.namespacedStores.get(name, namespace);
  }

  /** Every cached store of one kind (SecretStores of every namespace). */
  listStores(kind: StoreKind): SecretStoreObject[] {
    return kind === 'ClusterSecretStore'
      ? this.clusterStores.list()
      : this.namespacedStores.list();
  }

  /** The Events about one object, newest first. */
  eventsFor(
    kind: CachedResource,
    namespace: string | undefined,
    name: string,
  ): EventObject[] {
    const keys =
      this.eventsByObject.get(`${kind}/${key(namespace, name)}`) ?? new Set();
    const informer = this.eventInformerFor(kind);
    if (!informer) {
      return [];
    }
    return [...keys]
      .map(k => {
        const [ns, eventName] = k.split('/');
        return informer.get(eventName, ns);
      })
      .filter((e): e is EventObject => e !== undefined)
      .sort((a, b) => eventTime(b) - eventTime(a));
  }

  /** Reachability and sync state of this cluster's caches. */
  health(): ClusterStatus {
    const all = this.informers().map(i => ({
      resource: i.resource,
      ...i.health(),
    }));
    const states = all.filter(s => !OPTIONAL_RESOURCES.has(s.resource));
    const failing =
      states.find(s => !s.healthy && s.lastError) ??
      all.find(s => !s.healthy && s.lastError);
    const listTimes = states.map(s => s.lastListTime?.getTime());
    const synced = listTimes.every(t => t !== undefined);
    return {
      name: this.name,
      reachable: states.every(s => s.healthy),
      synced,
      lastSyncTime: synced
        ? new Date(Math.min(...(listTimes as number[]))).toISOString()
        : undefined,
      error: failing ? `${failing.resource}: ${failing.lastError}` : undefined,
    };
  }

  /**
   * Asks ESO to sync an ExternalSecret now by setting its `force-sync` annotation (a merge patch:
   * nothing else changes). The only write the status backend makes. A failure is logged in full
   * and thrown as a {@link KubernetesRequestError} whose message is safe to show to users.
   */
  async forceSync(
    namespace: string,
    name: string,
    value: string,
  ): Promise<void> {
    const custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    try {
      await custom.patchNamespacedCustomObject(
        {
          group: ESO_API_GROUP,
          version: ESO_VERSION,
          namespace,
          plural: 'externalsecrets',
          name,
          body: {
            metadata: { annotations: { [ANNOTATION_ESO_FORCE_SYNC]: value } },
          },
        },
        requestOptions(AbortSignal.timeout(this.limits.requestTimeoutMs), {
          'Content-Type': PatchStrategy.MergePatch,
        }),
      );
    } catch (error) {
      this.logger.warn(
        `Sync now: patching ExternalSecret ${namespace}/${name} failed: ${error}`,
      );
      throw new KubernetesRequestError(
        `Cluster ${
          this.name
        } did not accept the patch of ExternalSecret ${namespace}/${name}: ${describeKubernetesError(
          error,
        )}`,
        (error as { code?: unknown }).code,
      );
    }
  }

  /**
   * Whether a service account of the cluster may create TokenReviews, which Vault's client-JWT
   * mode needs of every account that logs in (`system:auth-delegator` grants it): asked with a
   * SubjectAccessReview about that account alone. Needs `create` on `subjectaccessreviews`
   * (deploy/clusterrole.yaml); reads nothing of the account. Throws a
   * {@link KubernetesRequestError} when the cluster does not answer in `timeoutMs`.
   */
  async canReviewTokens(
    account: { namespace: string; name: string },
    timeoutMs = this.limits.requestTimeoutMs,
  ): Promise<boolean> {
    const authorization = this.kubeConfig.makeApiClient(AuthorizationV1Api);
    const user = `system:serviceaccount:${account.namespace}:${account.name}`;
    try {
      const review = await authorization.createSubjectAccessReview(
        {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user,
              // what the API server gives every service account of the namespace
              groups: [
                'system:serviceaccounts',
                `system:serviceaccounts:${account.namespace}`,
                'system:authenticated',
              ],
              resourceAttributes: {
                group: 'authentication.k8s.io',
                resource: 'tokenreviews',
                verb: 'create',
              },
            },
          },
        },
        requestOptions(AbortSignal.timeout(timeoutMs)),
      );
      return review.status?.allowed === true;
    } catch (error) {
      throw new KubernetesRequestError(
        `Cluster ${
          this.name
        } did not answer whether ${user} may review tokens: ${describeKubernetesError(
          error,
        )}`,
        (error as { code?: unknown }).code,
      );
    }
  }

  /**
   * Whether a ConfigMap exists and has a key (the Vault CA ESO's stores trust Vault with):
   * `missing` on 404, the key's absence as `key-missing`. Reads one ConfigMap by name (the
   * shipped ClusterRole allows `get` on ConfigMaps named `vault-ca` only); never logs or
   * answers its data.
   */
  async configMapKeyState(
    ref: { namespace: string; name: string; key: string },
    timeoutMs = this.limits.requestTimeoutMs,
  ): Promise<'present' | 'missing' | 'key-missing'> {
    const { namespace, name } = ref;
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    try {
      const configMap = await core.readNamespacedConfigMap(
        { namespace, name },
        requestOptions(AbortSignal.timeout(timeoutMs)),
      );
      const data = { ...configMap.data, ...configMap.binaryData };
      const value = data[ref.key];
      return typeof value === 'string' && value.trim()
        ? 'present'
        : 'key-missing';
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return 'missing';
      throw new KubernetesRequestError(
        `Cluster ${
          this.name
        } did not answer for ConfigMap ${namespace}/${name}: ${describeKubernetesError(
          error,
        )}`,
        (error as { code?: unknown }).code,
      );
    }
  }

  /**
   * A rollout restart, as `kubectl rollout restart` does it: a strategic merge patch setting
   * the pod template annotation `kubectl.kubernetes.io/restartedAt` to `restartedAt`, so the
   * controller rolls new Pods. Needs `patch` on the workload kind
   * (`deploy/clusterrole-workload-restart.yaml`); nothing is read first.
   */
  async restartWorkload(
    kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
    namespace: string,
    name: string,
    restartedAt: string,
  ): Promise<void> {
    const apps = this.kubeConfig.makeApiClient(AppsV1Api);
    const body = {
      spec: {
        template: {
          metadata: {
            annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt },
          },
        },
      },
    };
    const options = requestOptions(
      AbortSignal.timeout(this.limits.requestTimeoutMs),
      { 'Content-Type': PatchStrategy.StrategicMergePatch },
    );
    try {
      if (kind === 'Deployment') {
        await apps.patchNamespacedDeployment(
          { namespace, name, body },
          options,
        );
      } else if (kind === 'StatefulSet') {
        await apps.patchNamespacedStatefulSet(
          { namespace, name, body },
          options,
        );
      } else {
        await apps.patchNamespacedDaemonSet({ namespace, name, body }, options);
      }
    } catch (error) {
      this.logger.warn(
        `Restart: patching ${kind} ${namespace}/${name} failed: ${error}`,
      );
      throw new KubernetesRequestError(
        `Cluster ${
          this.name
        } did not accept the restart of ${kind} ${namespace}/${name}: ${describeKubernetesError(
          error,
        )}`,
        (error as { code?: unknown }).code,
      );
    }
  }

  private informers(): ResourceInformer<any>[] {
    return [
      this.externalSecrets,
      this.clusterStores,
      this.namespacedStores,
      this.clusterExternalSecrets,
      this.pushSecrets,
      ...this.eventInformers,
    ];
  }

  private eventInformerFor(kind: CachedResource) {
    const index = (EVENT_KINDS as readonly string[]).indexOf(kind);
    return index < 0 ? undefined : this.eventInformers[index];
  }

  private pushSecretChanged(type: CacheChangeType, object: PushSecretObject) {
    const objectKey = key(object.metadata?.namespace, object.metadata?.name);
    const previous = this.kubernetesIdOfPushSecret.get(objectKey);
    if (previous !== undefined) {
      const keys = this.pushSecretsByKubernetesId.get(previous);
      keys?.delete(objectKey);
      if (keys?.size === 0) {
        this.pushSecretsByKubernetesId.delete(previous);
      }
      this.kubernetesIdOfPushSecret.delete(objectKey);
    }
    const id = object.metadata?.labels?.[LABEL_KUBERNETES_ID];
    if (type !== 'deleted' && id !== undefined) {
      if (!this.pushSecretsByKubernetesId.has(id)) {
        this.pushSecretsByKubernetesId.set(id, new Set());
      }
      this.pushSecretsByKubernetesId.get(id)!.add(objectKey);
      this.kubernetesIdOfPushSecret.set(objectKey, id);
    }
    this.emit('PushSecret', type, object);
  }

  private informerFailed(resource: string, error: Error, repeated: boolean) {
    const text = `List/watch of ${resource} failed, retrying with backoff: ${error.message}`;
    if (repeated) {
      this.logger.debug(text);
    } else {
      this.logger.warn(text);
    }
  }

  private emit(
    resource: CachedResource,
    type: CacheChangeType,
    object: KubernetesObject,
  ) {
    for (const listener of this.listeners) {
      try {
        listener({ cluster: this.name, resource, type, object });
      } catch (error) {
        this.logger.error(`Cache change listener failed: ${error}`);
      }
    }
  }

  private externalSecretChanged(
    type: CacheChangeType,
    object: ExternalSecretObject,
  ) {
    const objectKey = key(object.metadata?.namespace, object.metadata?.name);
    const previous = this.kubernetesIdOf.get(objectKey);
    if (previous !== undefined) {
      this.byKubernetesId.get(previous)?.delete(objectKey);
      if (this.byKubernetesId.get(previous)?.size === 0) {
        this.byKubernetesId.delete(previous);
      }
      this.kubernetesIdOf.delete(objectKey);
    }
    const id = object.metadata?.labels?.[LABEL_KUBERNETES_ID];
    if (type !== 'deleted' && id !== undefined) {
      if (!this.byKubernetesId.has(id)) {
        this.byKubernetesId.set(id, new Set());
      }
      this.byKubernetesId.get(id)!.add(objectKey);
      this.kubernetesIdOf.set(objectKey, id);
    }
    this.emit('ExternalSecret', type, object);
  }

  /** Keeps an object's Event index to the newest `maxEventsPerObject`. */
  private forgetOldestEvent(kind: string | undefined, keys: Set<string>) {
    const informer = this.eventInformerFor(kind as CachedResource);
    let oldest: { key: string; at: number } | undefined;
    for (const k of keys) {
      const [ns, eventName] = k.split('/');
      const found = informer?.get(eventName, ns);
      const at = found ? eventTime(found) : -Infinity;
      if (!oldest || at < oldest.at) oldest = { key: k, at };
    }
    if (oldest) {
      keys.delete(oldest.key);
      this.objectOfEvent.delete(oldest.key);
    }
  }

  private podChanged(type: CacheChangeType, pod: PodObject) {
    const podKey = key(pod.metadata?.namespace, pod.metadata?.name);
    for (const secretKey of this.secretsOfPod.get(podKey) ?? []) {
      const pods = this.podsBySecret.get(secretKey);
      pods?.delete(podKey);
      if (pods?.size === 0) this.podsBySecret.delete(secretKey);
    }
    this.secretsOfPod.delete(podKey);
    if (type !== 'deleted' && pod.usage) {
      const secrets = [
        ...new Set(
          pod.usage.references.map(r => key(pod.metadata?.namespace, r.secret)),
        ),
      ];
      for (const secretKey of secrets) {
        if (!this.podsBySecret.has(secretKey)) {
          this.podsBySecret.set(secretKey, new Set());
        }
        this.podsBySecret.get(secretKey)!.add(podKey);
      }
      if (secrets.length > 0) this.secretsOfPod.set(podKey, secrets);
    }
    this.emit('Pod', type, pod);
  }

  private eventChanged(type: CacheChangeType, event: EventObject) {
    const eventKey = key(event.metadata?.namespace, event.metadata?.name);
    const involved = event.involvedObject ?? {};
    const objectKey = `${involved.kind}/${key(
      involved.namespace,
      involved.name,
    )}`;
    const previous = this.objectOfEvent.get(eventKey);
    if (previous !== undefined) {
      this.eventsByObject.get(previous)?.delete(eventKey);
      if (this.eventsByObject.get(previous)?.size === 0) {
        this.eventsByObject.delete(previous);
      }
      this.objectOfEvent.delete(eventKey);
    }
    if (type !== 'deleted') {
      if (!this.eventsByObject.has(objectKey)) {
        this.eventsByObject.set(objectKey, new Set());
      }
      const keys = this.eventsByObject.get(objectKey)!;
      keys.add(eventKey);
      this.objectOfEvent.set(eventKey, objectKey);
      if (keys.size > this.limits.maxEventsPerObject) {
        this.forgetOldestEvent(involved.kind, keys);
      }
    }
    this.emit('Event', type, event);
  }
}
