import {
  ANNOTATION_ESO_FORCE_SYNC,
  DEFAULT_REFRESH_INTERVAL,
  parseGoDuration,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  ClusterClient,
  KubeObject,
  KubernetesApiError,
  KubernetesEmulator,
  NAMESPACE_NAME_LABEL,
  ResourceType,
  StoredChange,
} from '../kubernetes';
import { DEFAULT_ESO_INSTALLATION } from './esoChartRbac';
import { EventRecorder } from './EventRecorder';
import {
  CES_EXTERNAL_SECRET_EXISTS,
  MSG_CES_NAMESPACES_FAILED,
  MSG_PUSH_IF_NOT_EXISTS_SUFFIX,
  MSG_PUSH_SOURCE_DELETED,
  MSG_PUSH_SOURCE_MISSING,
  MSG_PUSH_SYNCED,
  REASON_PUSH_ERRORED,
  REASON_PUSH_SOURCE_DELETED,
  REASON_PUSH_SYNCED,
  pushCleanupFailed,
  pushDeleteFailed,
  pushExistsCheckError,
  pushKeyMissing,
  pushSecretsClientError,
  pushSetSecretFailed,
  pushWriteError,
  MSG_SECRET_SYNCED,
  MSG_STORE_CLIENT_ERROR,
  MSG_STORE_VALIDATED,
  MSG_SYNC_ERROR,
  REASON_INVALID_PROVIDER_CONFIG,
  REASON_SECRET_SYNCED,
  REASON_SECRET_SYNCED_ERROR,
  REASON_STORE_VALID,
  REASON_UPDATED,
  REASON_CREATED,
  EVENT_CREATED,
  EVENT_UPDATED,
  REASON_UPDATE_FAILED,
  caError,
  clusterStoreNotAllowed,
  dataError,
  dataFromError,
  findAllError,
  getKubeSecretError,
  getNamespaceError,
  getServiceAccountError,
  getStoreError,
  loginError,
  noSecretsBoundToServiceAccount,
  noTokenInServiceAccountSecrets,
  propertyMissing,
  serviceAccountTokenError,
  storeNotReady,
} from './esoMessages';
import {
  LabelSelectorObject,
  selectorMatches,
} from '../kubernetes/labelSelector';
import { syncedResourceVersion } from './syncedResourceVersion';
import {
  ProviderError,
  VaultProviderClient,
  goJson,
} from './VaultProviderClient';
import { dataFromKeys } from './dataFromKeys';

/**
 * The timer the controller schedules its work with; tests pass a fake one (or none, calling
 * `reconcileAll()` themselves).
 *
 * @public
 */
export interface EsoTimer {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** @public */
export interface EsoControllerOptions {
  cluster: KubernetesEmulator;
  /** Clock for refresh intervals and timestamps. */
  now?: () => Date;
  timer?: EsoTimer;
  /** How often the controller looks for due work while started. */
  tickMs?: number;
  /** How soon a failed ExternalSecret or store is retried (ESO backs off similarly). */
  errorRetryMs?: number;
  /** How often a store is re-validated when its `refreshInterval` is not set. */
  storeRefreshMs?: number;
  /** Unexpected failures of the simulation itself (not sync failures, which go to Events). */
  onError?: (error: Error) => void;
  /**
   * The service account ESO runs as (default `external-secrets/external-secrets`, the chart's):
   * every API call is made with its mounted token under RBAC (install the chart's RBAC with
   * `installEso`), and a store with neither `serviceAccountRef` nor `secretRef` logs in to
   * Vault with that same token.
   */
  serviceAccount?: { namespace: string; name: string };
}

type Spec = Record<string, any>;

interface StoreState {
  uid: string;
  generation: number;
  validatedAt: number;
  ready: boolean;
}

interface SyncState {
  attemptedVersion: string;
  storeVersion: string;
  attemptedAt: number;
  failed: boolean;
  /** Not due again until the object changes (ESO returned without a requeue). */
  untilChanged?: boolean;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

const REAL_TIMER: EsoTimer = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function keyOf(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ?? ''}/${
    object.metadata.name
  }`;
}

function readyCondition(object: KubeObject): Condition | undefined {
  const conditions = ((object.status as Spec)?.conditions ?? []) as Condition[];
  return conditions.find(c => c.type === 'Ready');
}

function stringValue(value: unknown): string {
  return typeof value === 'string' ? value : goJson(value);
}

function apiMessage(error: unknown): string {
  return error instanceof KubernetesApiError
    ? error.message
    : (error as Error).message;
}

function isNotFound(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.code === 404;
}

/** How long the kubelet's projected token lives, and when it is refreshed (80 %). */
const MOUNTED_TOKEN_SECONDS = 3600;
const MOUNTED_TOKEN_REFRESH = 0.8;

/** The TokenRequest lifetime ESO asks for a store's `serviceAccountRef`. */
const STORE_TOKEN_SECONDS = 600;

/** A store the Vault provider logs in with, in the namespace a request is made for. */
interface ProviderTarget {
  store: KubeObject;
  /** '' when a ClusterSecretStore is validated on its own; else the store's or the ExternalSecret's. */
  namespace: string;
}

/**
 * A simulation of the External Secrets Operator's Vault provider against the Kubernetes
 * emulator: validates each (Cluster)SecretStore by logging in to Vault with the store's role and
 * service account, and syncs each ExternalSecret (reads every remoteRef from KV v1/v2, writes
 * the target Secret, sets Ready and records Events with ESO's reasons and messages) on its
 * `refreshInterval`, on spec or `force-sync` annotation changes, and when its target Secret is
 * deleted. Vault is reached over HTTP(S) at the store's `server`, so Vault's own configuration
 * decides whether login and reads work. It calls the API server as ESO's own service account,
 * so the cluster's RBAC limits it as it limits ESO, and it presents to Vault the account ESO
 * would: a TokenRequest for the store's `serviceAccountRef` (in the store's namespace for a
 * SecretStore; the ref's, or the ExternalSecret's, for a ClusterSecretStore), the token in
 * `secretRef`, or else its own mounted token. A ClusterSecretStore's `spec.conditions` decide
 * which namespaces may use it.
 *
 * @public
 */
export class EsoController {
  private readonly cluster: KubernetesEmulator;
  private readonly now: () => Date;
  private readonly timer: EsoTimer;
  private readonly tickMs: number;
  private readonly errorRetryMs: number;
  private readonly storeRefreshMs: number;
  private readonly onError: (error: Error) => void;
  private readonly events: EventRecorder;
  private readonly serviceAccount: { namespace: string; name: string };
  /** ESO's own API access, as its service account. */
  private readonly client: ClusterClient;
  private mounted: { token: string; issuedAt: number } | undefined;
  /** The stores as the last pass listed them (ESO reads them from its informer cache). */
  private knownStores = new Map<string, KubeObject>();
  private readonly stores = new Map<string, StoreState>();
  private readonly syncs = new Map<string, SyncState>();
  private unsubscribe: (() => void) | undefined;
  private scheduled: { handle: unknown; immediate: boolean } | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;

  constructor(options: EsoControllerOptions) {
    this.cluster = options.cluster;
    this.now = options.now ?? (() => new Date());
    this.timer = options.timer ?? REAL_TIMER;
    this.tickMs = options.tickMs ?? 1000;
    this.errorRetryMs = options.errorRetryMs ?? 10_000;
    this.storeRefreshMs = options.storeRefreshMs ?? 60_000;
    this.onError = options.onError ?? (() => undefined);
    this.serviceAccount = options.serviceAccount ?? {
      namespace: DEFAULT_ESO_INSTALLATION.namespace,
      name: DEFAULT_ESO_INSTALLATION.serviceAccountName,
    };
    this.client = this.cluster.clientFor({ token: () => this.mountedToken() });
    this.events = new EventRecorder(this.client, this.cluster, this.now);
  }

  /**
   * The token the kubelet mounts into ESO's pod (its own account, the API server's audience,
   * one hour), replaced once 80 % of its life is over.
   */
  private async mountedToken(): Promise<string> {
    const now = this.now().getTime();
    if (
      this.mounted &&
      now - this.mounted.issuedAt <
        MOUNTED_TOKEN_SECONDS * 1000 * MOUNTED_TOKEN_REFRESH
    ) {
      return this.mounted.token;
    }
    const token = await this.cluster.issueServiceAccountToken({
      ...this.serviceAccount,
      expirationSeconds: MOUNTED_TOKEN_SECONDS,
    });
    this.mounted = { token, issuedAt: now };
    return token;
  }

  /** Starts reacting to changes and checking for due work every `tickMs`. */
  start(): void {
    if (this.unsubscribe) {
      return;
    }
    this.unsubscribe = this.cluster.onChange(change => this.onChange(change));
    this.schedule(0);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.scheduled) {
      this.timer.clearTimeout(this.scheduled.handle);
      this.scheduled = undefined;
    }
  }

  /**
   * Runs a pass that is queued to start at once (without waiting for the timer, which may be a
   * fake one) and resolves when no pass is running.
   */
  async idle(): Promise<void> {
    // A pass's own writes queue one more (finding nothing due); a few rounds always settle.
    for (let round = 0; round < 20; round++) {
      if (this.scheduled?.immediate) {
        this.timer.clearTimeout(this.scheduled.handle);
        this.scheduled = undefined;
        this.runPass();
      }
      if (!this.running) {
        return;
      }
      await this.running;
    }
  }

  /** One reconcile pass: validates due stores, then syncs due ExternalSecrets. */
  async reconcileAll(): Promise<void> {
    const now = this.now().getTime();
    const known = new Map<string, KubeObject>();
    for (const type of [
      this.cluster.type('clustersecretstores'),
      this.cluster.type('secretstores'),
    ]) {
      for (const store of await this.client.list(type)) {
        known.set(keyOf(store), store);
        if (this.storeIsDue(store, now)) {
          await this.reconcileStore(type, store);
        }
      }
    }
    // validation wrote status: read the stores again, as the informer would see them
    this.knownStores = new Map();
    for (const type of [
      this.cluster.type('clustersecretstores'),
      this.cluster.type('secretstores'),
    ]) {
      for (const store of await this.client.list(type)) {
        this.knownStores.set(keyOf(store), store);
      }
    }
    for (const ces of await this.client.list(
      this.cluster.type('clusterexternalsecrets'),
    )) {
      await this.reconcileClusterExternalSecret(ces);
    }
    const externalSecrets = this.cluster.type('externalsecrets');
    const live = new Set<string>();
    for (const es of await this.client.list(externalSecrets)) {
      live.add(keyOf(es));
      if (await this.syncIsDue(es, now)) {
        await this.reconcileExternalSecret(es);
      }
    }
    for (const ps of await this.client.list(this.cluster.type('pushsecrets'))) {
      live.add(keyOf(ps));
      if (await this.pushIsDue(ps, now)) {
        await this.reconcilePushSecret(ps);
      }
    }
    for (const key of this.syncs.keys()) {
      if (!live.has(key)) {
        this.syncs.delete(key);
      }
    }
    for (const key of this.stores.keys()) {
      if (!known.has(key)) {
        this.stores.delete(key);
      }
    }
  }

  private onChange(change: StoredChange) {
    if (change.resourceType.plural !== 'events') {
      this.schedule(0);
    }
  }

  private schedule(ms: number) {
    if (!this.unsubscribe) {
      return;
    }
    if (this.scheduled) {
      if (ms > 0 || this.scheduled.immediate) {
        return;
      }
      this.timer.clearTimeout(this.scheduled.handle);
    }
    const handle = this.timer.setTimeout(() => {
      this.scheduled = undefined;
      this.runPass();
    }, ms);
    this.scheduled = { handle, immediate: ms === 0 };
  }

  private runPass() {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = (async () => {
      do {
        this.rerun = false;
        await this.reconcileAll();
      } while (this.rerun);
    })()
      .catch(error => this.onError(error as Error))
      .finally(() => {
        this.running = undefined;
        this.schedule(this.tickMs);
      });
  }

  private storeIsDue(store: KubeObject, now: number): boolean {
    const state = this.stores.get(keyOf(store));
    if (
      !state ||
      state.uid !== store.metadata.uid ||
      state.generation !== store.metadata.generation
    ) {
      return true;
    }
    const refreshSeconds = Number((store.spec as Spec)?.refreshInterval ?? 0);
    let interval =
      refreshSeconds > 0 ? refreshSeconds * 1000 : this.storeRefreshMs;
    if (!state.ready) {
      interval = Math.min(interval, this.errorRetryMs);
    }
    return now - state.validatedAt >= interval;
  }

  private storeVersionFor(es: KubeObject): string {
    const store = this.findStore(es);
    if (!store) {
      return 'missing';
    }
    const ready = readyCondition(store)?.status ?? 'Unknown';
    return `${store.metadata.uid}/${store.metadata.generation}/${ready}`;
  }

  private async syncIsDue(es: KubeObject, now: number): Promise<boolean> {
    const state = this.syncs.get(keyOf(es));
    const refreshPolicy = (es.spec as Spec)?.refreshPolicy ?? 'Periodic';
    const status = (es.status ?? {}) as Spec;
    // ESO's shouldRefresh: once synced, CreatedOnce never refreshes and OnChange only when the
    // object changed (spec, labels, annotations: force-sync included); a missing target
    // Secret is re-created under either.
    if (
      (refreshPolicy === 'CreatedOnce' || refreshPolicy === 'OnChange') &&
      status.syncedResourceVersion &&
      status.refreshTime
    ) {
      const creation = (es.spec as Spec)?.target?.creationPolicy ?? 'Owner';
      if (creation === 'Owner' && !(await this.targetSecret(es))) {
        return true;
      }
      const current = syncedResourceVersion(es);
      if (
        refreshPolicy === 'CreatedOnce' ||
        status.syncedResourceVersion === current
      ) {
        return false;
      }
      if (state?.failed && state.attemptedVersion === current) {
        return now - state.attemptedAt >= this.errorRetryMs;
      }
      return true;
    }
    if (
      !state ||
      state.attemptedVersion !== syncedResourceVersion(es) ||
      state.storeVersion !== this.storeVersionFor(es)
    ) {
      return true;
    }
    if (state.failed) {
      return now - state.attemptedAt >= this.errorRetryMs;
    }
    const spec = es.spec as Spec;
    const policy = spec.target?.creationPolicy ?? 'Owner';
    if (policy === 'Owner' && !(await this.targetSecret(es))) {
      return true;
    }
    const interval =
      parseGoDuration(spec.refreshInterval ?? DEFAULT_REFRESH_INTERVAL) ??
      3_600_000;
    return interval > 0 && now - state.attemptedAt >= interval;
  }

  /** The store an ExternalSecret names, from what the pass listed. */
  private findStore(es: KubeObject): KubeObject | undefined {
    return this.findStoreByRef(
      (es.spec as Spec).secretStoreRef ?? {},
      es.metadata.namespace!,
    );
  }

  private findStoreByRef(
    ref: { kind?: string; name?: string },
    namespace: string,
  ): KubeObject | undefined {
    const kind =
      ref.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
    const storeNamespace = kind === 'ClusterSecretStore' ? '' : namespace;
    return this.knownStores.get(`${kind}/${storeNamespace}/${ref.name}`);
  }

  private targetName(es: KubeObject): string {
    return (es.spec as Spec).target?.name ?? es.metadata.name!;
  }

  private async targetSecret(es: KubeObject): Promise<KubeObject | undefined> {
    try {
      return await this.client.get(
        this.cluster.type('secrets'),
        es.metadata.namespace,
        this.targetName(es),
      );
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }

  private timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  private withCondition(object: KubeObject, condition: Condition): Condition[] {
    const conditions = ((object.status as Spec)?.conditions ??
      []) as Condition[];
    const previous = conditions.find(c => c.type === condition.type);
    const unchanged =
      previous &&
      previous.status === condition.status &&
      previous.reason === condition.reason &&
      previous.message === condition.message;
    const next = {
      ...condition,
      lastTransitionTime: unchanged
        ? previous.lastTransitionTime
        : this.timestamp(),
    };
    return [...conditions.filter(c => c.type !== condition.type), next];
  }

  private async writeStatus(
    type: ResourceType,
    object: KubeObject,
    status: Spec,
  ) {
    await this.client.update(
      type,
      object.metadata.namespace,
      object.metadata.name!,
      {
        ...object,
        metadata: { ...object.metadata, resourceVersion: undefined },
        status,
      },
      { subresource: 'status' },
    );
  }

  /** Reads a value the store points at (a ConfigMap or Secret key) for the CA bundle. */
  private async readCa(
    store: KubeObject,
    vault: Spec,
  ): Promise<string | undefined> {
    if (vault.caBundle) {
      return Buffer.from(vault.caBundle, 'base64').toString('utf8');
    }
    const provider = vault.caProvider;
    if (!provider) {
      return undefined;
    }
    const namespace =
      store.kind === 'ClusterSecretStore'
        ? provider.namespace
        : store.metadata.namespace;
    const isSecret = provider.type === 'Secret';
    const kind = isSecret ? 'secret' : 'configmap';
    let source: KubeObject;
    try {
      source = await this.client.get(
        this.cluster.type(isSecret ? 'secrets' : 'configmaps'),
        namespace,
        provider.name,
      );
    } catch (error) {
      throw new ProviderError(
        caError(
          `failed to get ${kind} ${provider.name}: ${(error as Error).message}`,
        ),
      );
    }
    const raw = (source.data as Record<string, string> | undefined)?.[
      provider.key
    ];
    if (raw === undefined) {
      throw new ProviderError(
        caError(
          `failed to get ${kind} ${provider.name}: key ${provider.key} not found`,
        ),
      );
    }
    return isSecret ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  }

  /**
   * The JWT ESO presents to Vault's Kubernetes auth for a store, in `namespace` (the store's,
   * or for a ClusterSecretStore the ExternalSecret's): a 600 s TokenRequest for
   * `serviceAccountRef` with its audiences (falling back, as ESO does, to the account's legacy
   * token Secret), the token in `secretRef`, or ESO's own mounted token.
   */
  private async storeJwt(
    store: KubeObject,
    kubernetes: Spec,
    namespace: string,
  ): Promise<string> {
    const cluster = store.kind === 'ClusterSecretStore';
    const ref = kubernetes.serviceAccountRef as Spec | undefined;
    if (ref) {
      // a namespaced store's account is always in its own namespace
      const accountNamespace =
        cluster && ref.namespace ? ref.namespace : namespace;
      try {
        const request = await this.client.createToken(
          accountNamespace,
          ref.name,
          {
            audiences: ref.audiences,
            expirationSeconds: STORE_TOKEN_SECONDS,
          },
        );
        return (request.status as Spec).token as string;
      } catch {
        // clusters before 1.24: the token Secret listed on the account
      }
      let account: KubeObject;
      try {
        account = await this.client.get(
          this.cluster.type('serviceaccounts'),
          accountNamespace,
          ref.name,
        );
      } catch (error) {
        throw new ProviderError(
          serviceAccountTokenError(
            ref.name,
            getServiceAccountError(ref.name, apiMessage(error)),
          ),
        );
      }
      const secrets = (account.secrets as Array<{ name: string }>) ?? [];
      if (secrets.length === 0) {
        throw new ProviderError(
          serviceAccountTokenError(
            ref.name,
            noSecretsBoundToServiceAccount(ref.name),
          ),
        );
      }
      for (const { name } of secrets) {
        try {
          const secret = await this.client.get(
            this.cluster.type('secrets'),
            accountNamespace,
            name,
          );
          const token = (secret.data as Record<string, string> | undefined)
            ?.token;
          if (token) {
            return Buffer.from(token, 'base64').toString('utf8');
          }
        } catch {
          // the next one
        }
      }
      throw new ProviderError(
        serviceAccountTokenError(
          ref.name,
          noTokenInServiceAccountSecrets(ref.name),
        ),
      );
    }
    const secretRef = kubernetes.secretRef as Spec | undefined;
    if (secretRef) {
      const key = secretRef.key || 'token';
      const secretNamespace =
        cluster && secretRef.namespace ? secretRef.namespace : namespace;
      let secret: KubeObject;
      try {
        secret = await this.client.get(
          this.cluster.type('secrets'),
          secretNamespace,
          secretRef.name,
        );
      } catch (error) {
        throw new ProviderError(
          getKubeSecretError(
            secretRef.name,
            secretNamespace,
            apiMessage(error),
          ),
        );
      }
      const value = (secret.data as Record<string, string> | undefined)?.[key];
      if (value === undefined) {
        throw new ProviderError(propertyMissing(key));
      }
      return Buffer.from(value, 'base64').toString('utf8');
    }
    return this.mountedToken();
  }

  /**
   * Logs in to the store's Vault with its Kubernetes auth settings, for `namespace`. A
   * ClusterSecretStore whose account or secret has no namespace is resolved per ExternalSecret
   * (referent authentication): validated on its own (`namespace` ''), it does not log in.
   */
  private async login(target: ProviderTarget) {
    const { store, namespace } = target;
    const vault = (store.spec as Spec).provider.vault as Spec;
    const client = new VaultProviderClient({
      server: vault.server,
      path: vault.path ?? 'secret',
      version: vault.version ?? 'v2',
      namespace: vault.namespace,
      caPem: await this.readCa(store, vault),
    });
    const kubernetes = vault.auth?.kubernetes as Spec | undefined;
    if (!kubernetes) {
      throw new ProviderError(
        'the sandbox ESO simulation supports Vault Kubernetes auth only',
      );
    }
    const referent =
      store.kind === 'ClusterSecretStore' &&
      ((kubernetes.serviceAccountRef &&
        !kubernetes.serviceAccountRef.namespace) ||
        (kubernetes.secretRef && !kubernetes.secretRef.namespace));
    if (referent && !namespace) {
      return undefined;
    }
    const jwt = await this.storeJwt(store, kubernetes, namespace);
    try {
      const token = await client.loginWithKubernetes(
        kubernetes.mountPath ?? 'kubernetes',
        kubernetes.role,
        jwt,
      );
      return { client, token };
    } catch (error) {
      throw new ProviderError(loginError((error as Error).message));
    }
  }

  /**
   * Whether an ExternalSecret in `namespace` may use the store: always for a SecretStore; for a
   * ClusterSecretStore with `spec.conditions`, when one condition's `namespaceSelector`,
   * `namespaces` (matched by the `kubernetes.io/metadata.name` label) or `namespaceRegexes`
   * (unanchored, as Go's regexp.MatchString) admits it.
   */
  private async storeAllows(store: KubeObject, namespace: string) {
    const conditions = ((store.spec as Spec)?.conditions ?? []) as Spec[];
    if (store.kind !== 'ClusterSecretStore' || conditions.length === 0) {
      return true;
    }
    let labels: Record<string, string>;
    try {
      const object = await this.client.get(
        this.cluster.type('namespaces'),
        undefined,
        namespace,
      );
      labels = object.metadata.labels ?? {};
    } catch (error) {
      throw new ProviderError(getNamespaceError(namespace, apiMessage(error)));
    }
    for (const condition of conditions) {
      const selectors = [
        ...(condition.namespaceSelector ? [condition.namespaceSelector] : []),
        ...((condition.namespaces ?? []) as string[]).map(n => ({
          matchLabels: { [NAMESPACE_NAME_LABEL]: n },
        })),
      ];
      if (selectors.some(selector => selectorMatches(selector, labels))) {
        return true;
      }
      for (const pattern of (condition.namespaceRegexes ?? []) as string[]) {
        let regex: RegExp;
        try {
          regex = new RegExp(pattern);
        } catch (error) {
          throw new ProviderError(
            `failed to compile regex ${pattern}: ${(error as Error).message}`,
          );
        }
        if (regex.test(namespace)) {
          return true;
        }
      }
    }
    return false;
  }

  private async reconcileStore(type: ResourceType, store: KubeObject) {
    const vault = (store.spec as Spec)?.provider?.vault;
    if (!vault) {
      return;
    }
    let condition: Condition;
    let failure: string | undefined;
    try {
      await this.login({
        store,
        namespace:
          store.kind === 'ClusterSecretStore' ? '' : store.metadata.namespace!,
      });
      condition = {
        type: 'Ready',
        status: 'True',
        reason: REASON_STORE_VALID,
        message: MSG_STORE_VALIDATED,
      };
    } catch (error) {
      failure = (error as Error).message;
      condition = {
        type: 'Ready',
        status: 'False',
        reason: REASON_INVALID_PROVIDER_CONFIG,
        message: MSG_STORE_CLIENT_ERROR,
      };
    }
    this.stores.set(keyOf(store), {
      uid: store.metadata.uid!,
      generation: store.metadata.generation ?? 0,
      validatedAt: this.now().getTime(),
      ready: !failure,
    });
    await this.writeStatus(type, store, {
      ...((store.status as Spec) ?? {}),
      conditions: this.withCondition(store, condition),
      capabilities: 'ReadWrite',
    });
    await this.events.record(
      store,
      failure ? 'Warning' : 'Normal',
      failure ? REASON_INVALID_PROVIDER_CONFIG : REASON_STORE_VALID,
      failure ?? MSG_STORE_VALIDATED,
    );
  }

  /**
   * The Vault client an ExternalSecret's entries read with, as ESO's client manager hands it
   * out: the store must exist, admit the ExternalSecret's namespace and be Ready; then the
   * provider logs in for that namespace. Failures carry ESO's text.
   */
  private async providerFor(es: KubeObject) {
    return this.providerForRef(
      (es.spec as Spec).secretStoreRef ?? {},
      es.metadata.namespace!,
    );
  }

  private async providerForRef(
    ref: { kind?: string; name?: string },
    namespace: string,
  ) {
    const kind =
      ref.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
    const store = this.findStoreByRef(ref, namespace);
    if (!store) {
      const plural =
        kind === 'ClusterSecretStore' ? 'clustersecretstores' : 'secretstores';
      throw new ProviderError(
        getStoreError(
          kind,
          ref.name!,
          `${plural}.external-secrets.io ${JSON.stringify(ref.name)} not found`,
        ),
      );
    }
    if (!(await this.storeAllows(store, namespace))) {
      throw new ProviderError(clusterStoreNotAllowed(ref.name!, namespace));
    }
    if (readyCondition(store)?.status !== 'True') {
      throw new ProviderError(storeNotReady(kind, ref.name!));
    }
    const session = await this.login({ store, namespace });
    if (!session) {
      throw new ProviderError('cannot resolve the store for this namespace');
    }
    return session;
  }

  private async fetchValues(es: KubeObject): Promise<Record<string, Buffer>> {
    const spec = es.spec as Spec;
    let provider: ReturnType<EsoController['providerFor']> | undefined;
    const session = () => {
      provider ??= this.providerFor(es);
      return provider;
    };
    const reads = new Map<string, Promise<Record<string, unknown>>>();
    const read = async (key: string) => {
      const { client, token } = await session();
      if (!reads.has(key)) {
        reads.set(key, client.readSecret(token, key));
      }
      return reads.get(key)!;
    };
    const values: Record<string, Buffer> = {};
    // ESO reads dataFrom first, in order (later entries win); data entries override them
    for (const [index, entry] of ((spec.dataFrom ?? []) as Spec[]).entries()) {
      if (entry.find) {
        try {
          const { client, token } = await session();
          let found: Map<string, Buffer>;
          try {
            found = await client.findSecrets(token, entry.find);
          } catch (error) {
            throw new ProviderError(findAllError((error as Error).message));
          }
          for (const [name, value] of dataFromKeys(entry, entry.find, found)) {
            values[name] = value;
          }
        } catch (error) {
          throw new ProviderError(
            dataFromError(index, (error as Error).message, 'find'),
          );
        }
        continue;
      }
      if (!entry.extract) {
        continue;
      }
      try {
        const secret = await read(entry.extract.key);
        const extracted = new Map<string, Buffer>(
          Object.entries(secret).map(([name, value]) => [
            name,
            Buffer.from(stringValue(value), 'utf8'),
          ]),
        );
        for (const [name, value] of dataFromKeys(
          entry,
          entry.extract,
          extracted,
        )) {
          values[name] = value;
        }
      } catch (error) {
        throw new ProviderError(dataFromError(index, (error as Error).message));
      }
    }
    for (const [index, entry] of ((spec.data ?? []) as Spec[]).entries()) {
      const { key, property } = entry.remoteRef;
      try {
        const secret = await read(key);
        if (property === undefined || property === '') {
          values[entry.secretKey] = Buffer.from(goJson(secret), 'utf8');
        } else if (!(property in secret)) {
          throw new ProviderError(propertyMissing(property));
        } else {
          values[entry.secretKey] = Buffer.from(
            stringValue(secret[property]),
            'utf8',
          );
        }
      } catch (error) {
        throw new ProviderError(
          dataError(index, key, (error as Error).message),
        );
      }
    }
    return values;
  }

  /**
   * Writes the target Secret and says what happened, as ESO's createSecret/updateSecret do:
   * `created`, `updated`, or `unchanged` when the Secret already held exactly this (ESO then
   * writes nothing and records no event).
   */
  private async writeTarget(
    es: KubeObject,
    values: Record<string, Buffer>,
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const spec = es.spec as Spec;
    const policy = spec.target?.creationPolicy ?? 'Owner';
    if (policy === 'None') {
      return 'unchanged';
    }
    const secrets = this.cluster.type('secrets');
    const name = this.targetName(es);
    const data = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, v.toString('base64')]),
    );
    const existing = await this.targetSecret(es);
    if (policy === 'Merge') {
      if (!existing) {
        throw new ProviderError(
          `the desired secret ${name} was not found. With creationPolicy=Merge the secret won't be created`,
        );
      }
      const merged = { ...((existing.data as Spec) ?? {}), ...data };
      if (sameJson(existing.data ?? {}, merged)) {
        return 'unchanged';
      }
      await this.client.update(secrets, es.metadata.namespace, name, {
        ...existing,
        data: merged,
      });
      return 'updated';
    }
    const metadata = {
      name,
      namespace: es.metadata.namespace,
      labels: {
        ...(spec.target?.template?.metadata?.labels ?? {}),
        'reconcile.external-secrets.io/managed': 'true',
      },
      annotations: { ...(spec.target?.template?.metadata?.annotations ?? {}) },
      ...(policy === 'Owner'
        ? {
            ownerReferences: [
              {
                apiVersion: es.apiVersion!,
                kind: es.kind!,
                name: es.metadata.name!,
                uid: es.metadata.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    };
    const secret = {
      metadata,
      type: spec.target?.template?.type ?? 'Opaque',
      data,
    };
    if (existing) {
      const next = {
        ...existing,
        ...secret,
        metadata: { ...existing.metadata, ...metadata },
      };
      if (sameJson(existing, next)) {
        return 'unchanged';
      }
      await this.client.update(secrets, es.metadata.namespace, name, next);
      return 'updated';
    }
    await this.client.create(secrets, es.metadata.namespace, secret);
    return 'created';
  }

  private async reconcileExternalSecret(es: KubeObject) {
    const type = this.cluster.type('externalsecrets');
    const status = { ...((es.status as Spec) ?? {}) };
    let failure: string | undefined;
    let written: 'created' | 'updated' | 'unchanged' = 'unchanged';
    try {
      const values = await this.fetchValues(es);
      written = await this.writeTarget(es, values);
    } catch (error) {
      if (!(error instanceof ProviderError)) {
        this.onError(error as Error);
      }
      failure = (error as Error).message;
    }
    this.syncs.set(keyOf(es), {
      attemptedVersion: syncedResourceVersion(es),
      storeVersion: this.storeVersionFor(es),
      attemptedAt: this.now().getTime(),
      failed: !!failure,
    });
    if (failure) {
      status.conditions = this.withCondition(es, {
        type: 'Ready',
        status: 'False',
        reason: REASON_SECRET_SYNCED_ERROR,
        message: MSG_SYNC_ERROR,
      });
    } else {
      status.conditions = this.withCondition(es, {
        type: 'Ready',
        status: 'True',
        reason: REASON_SECRET_SYNCED,
        message: MSG_SECRET_SYNCED,
      });
      status.refreshTime = this.timestamp();
      status.syncedResourceVersion = syncedResourceVersion(es);
      status.binding = { name: this.targetName(es) };
    }
    await this.writeStatus(type, es, status);
    // ESO (v2.9.0 pkg/controllers/externalsecret/externalsecret_controller.go) records Normal
    // `Created` "secret created" / `Updated` "secret updated" only when it wrote the Secret, and
    // nothing when the Secret already matched: the Updated event marks a real change.
    if (failure) {
      await this.events.record(es, 'Warning', REASON_UPDATE_FAILED, failure);
    } else if (written === 'created') {
      await this.events.record(es, 'Normal', REASON_CREATED, EVENT_CREATED);
    } else if (written === 'updated') {
      await this.events.record(es, 'Normal', REASON_UPDATED, EVENT_UPDATED);
    }
  }

  /**
   * A ClusterExternalSecret as ESO's controller handles it: the namespaces named in
   * `namespaces` or matched by `namespaceSelector`/`namespaceSelectors` get an ExternalSecret
   * (`externalSecretName`, default the CES's name) with `externalSecretSpec` and
   * `externalSecretMetadata`, owned by the CES; one that exists without that owner is left
   * alone and the namespace fails; namespaces no longer selected lose theirs. Status:
   * `externalSecretName`, sorted `provisionedNamespaces`, `failedNamespaces`, a Ready condition.
   * Reconciled every pass (ESO also reacts to namespace changes), written only on change.
   */
  private async reconcileClusterExternalSecret(ces: KubeObject) {
    const type = this.cluster.type('clusterexternalsecrets');
    const externalSecrets = this.cluster.type('externalsecrets');
    const spec = (ces.spec ?? {}) as Spec;
    const previous = (ces.status ?? {}) as Spec;
    const esName: string = spec.externalSecretName || ces.metadata.name!;
    const ownedBy = (es: KubeObject) =>
      (es.metadata.ownerReferences ?? []).some(
        (o: Spec) =>
          o.controller &&
          o.kind === 'ClusterExternalSecret' &&
          String(o.apiVersion).startsWith('external-secrets.io/') &&
          o.name === ces.metadata.name,
      );
    const getEs = async (namespace: string, name: string) => {
      try {
        return await this.client.get(externalSecrets, namespace, name);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    };
    const removeOwned = async (namespace: string, name: string) => {
      const existing = await getEs(namespace, name);
      if (existing && ownedBy(existing)) {
        await this.client.delete(externalSecrets, namespace, name);
      }
    };
    const failed = new Map<string, string>();
    if (previous.externalSecretName && previous.externalSecretName !== esName) {
      for (const ns of (previous.provisionedNamespaces ?? []) as string[]) {
        await removeOwned(ns, previous.externalSecretName);
      }
    }
    const selectors: LabelSelectorObject[] = [
      ...(spec.namespaceSelector ? [spec.namespaceSelector] : []),
      ...((spec.namespaceSelectors ?? []) as LabelSelectorObject[]),
    ];
    const names = new Set((spec.namespaces ?? []) as string[]);
    const targets = (
      await this.client.list(this.cluster.type('namespaces'))
    ).filter(
      ns =>
        names.has(ns.metadata.name!) ||
        selectors.some(s => selectorMatches(s, ns.metadata.labels ?? {})),
    );
    const targetNames = new Set(targets.map(ns => ns.metadata.name!));
    for (const ns of (previous.provisionedNamespaces ?? []) as string[]) {
      if (!targetNames.has(ns)) {
        try {
          await removeOwned(ns, esName);
        } catch (error) {
          failed.set(ns, apiMessage(error));
        }
      }
    }
    const metadata = (spec.externalSecretMetadata ?? {}) as Spec;
    const forceSync = ces.metadata.annotations?.[ANNOTATION_ESO_FORCE_SYNC];
    const annotations: Record<string, string> = {
      ...((metadata.annotations ?? {}) as Record<string, string>),
      ...(forceSync !== undefined
        ? { [ANNOTATION_ESO_FORCE_SYNC]: forceSync }
        : {}),
    };
    const provisioned: string[] = [];
    for (const namespace of [...targetNames]) {
      try {
        const existing = await getEs(namespace, esName);
        if (existing && !ownedBy(existing)) {
          failed.set(namespace, CES_EXTERNAL_SECRET_EXISTS);
          continue;
        }
        const desired: KubeObject = {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: {
            name: esName,
            namespace,
            ...(metadata.labels ? { labels: metadata.labels } : {}),
            ...(Object.keys(annotations).length ? { annotations } : {}),
            ownerReferences: [
              {
                apiVersion: ces.apiVersion!,
                kind: 'ClusterExternalSecret',
                name: ces.metadata.name!,
                uid: ces.metadata.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: structuredClone(spec.externalSecretSpec ?? {}),
        };
        if (!existing) {
          await this.client.create(externalSecrets, namespace, desired);
        } else if (
          JSON.stringify(existing.spec) !== JSON.stringify(desired.spec) ||
          JSON.stringify(existing.metadata.labels ?? {}) !==
            JSON.stringify(desired.metadata.labels ?? {}) ||
          JSON.stringify(existing.metadata.annotations ?? {}) !==
            JSON.stringify(desired.metadata.annotations ?? {})
        ) {
          await this.client.update(externalSecrets, namespace, esName, {
            ...existing,
            metadata: {
              ...existing.metadata,
              labels: desired.metadata.labels,
              annotations: desired.metadata.annotations,
              ownerReferences: desired.metadata.ownerReferences,
            },
            spec: desired.spec,
          });
        }
        provisioned.push(namespace);
      } catch (error) {
        failed.set(namespace, apiMessage(error));
      }
    }
    provisioned.sort();
    const failedNamespaces = [...failed.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([namespace, reason]) => ({ namespace, reason }));
    const status: Spec = {
      externalSecretName: esName,
      ...(provisioned.length ? { provisionedNamespaces: provisioned } : {}),
      ...(failedNamespaces.length ? { failedNamespaces } : {}),
      conditions: [
        ...((previous.conditions ?? []) as Spec[]).filter(
          c => c.type !== 'Ready',
        ),
        failedNamespaces.length
          ? {
              type: 'Ready',
              status: 'False',
              message: MSG_CES_NAMESPACES_FAILED,
            }
          : { type: 'Ready', status: 'True' },
      ],
    };
    if (JSON.stringify(status) !== JSON.stringify(previous)) {
      await this.writeStatus(type, ces, status);
    }
  }

  /** A PushSecret is due like an ExternalSecret: on spec/metadata change, after failures, per interval. */
  private async pushIsDue(ps: KubeObject, now: number): Promise<boolean> {
    const state = this.syncs.get(keyOf(ps));
    if (!state || state.attemptedVersion !== syncedResourceVersion(ps)) {
      return true;
    }
    if (state.untilChanged) {
      return false;
    }
    if (state.failed) {
      return now - state.attemptedAt >= this.errorRetryMs;
    }
    const interval =
      parseGoDuration(
        (ps.spec as Spec)?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
      ) ?? 3_600_000;
    return interval > 0 && now - state.attemptedAt >= interval;
  }

  /**
   * A PushSecret as ESO's controller handles it (Vault provider only): the source Secret in its
   * namespace, its stores (by name or `labelSelector`), then for each store and `data` entry
   * the value pushed under the store's Vault login, with ESO's condition, Events and
   * `status.syncedPushSecrets` (`<Kind>/<store>` → `<remoteKey>[/<property>]` → the entry).
   * `updatePolicy: IfNotExists` asks Vault first and leaves a key that exists alone;
   * `deletionPolicy: Delete` removes from Vault what was pushed before and is no longer in
   * `syncedPushSecrets`, and everything pushed once the source Secret is gone (Ready False
   * `SourceDeleted`, then no retry until the PushSecret changes: ESO does not requeue).
   */
  private async reconcilePushSecret(ps: KubeObject) {
    const type = this.cluster.type('pushsecrets');
    const spec = (ps.spec ?? {}) as Spec;
    const namespace = ps.metadata.namespace!;
    const previous = (ps.status ?? {}) as Spec;
    const previousSynced = (previous.syncedPushSecrets ??
      {}) as SyncedPushSecrets;
    const deleteRemoved = spec.deletionPolicy === 'Delete';
    const ifNotExists = spec.updatePolicy === 'IfNotExists';
    const synced: SyncedPushSecrets = {};
    let failure: string | undefined;
    // what status.syncedPushSecrets becomes on failure (undefined: left as it was)
    let failedState: SyncedPushSecrets | undefined;
    let sourceDeleted = false;
    try {
      let source: KubeObject | undefined;
      try {
        source = await this.client.get(
          this.cluster.type('secrets'),
          namespace,
          spec.selector?.secret?.name,
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (!source) {
        if (
          spec.selector?.secret?.name &&
          deleteRemoved &&
          Object.keys(previousSynced).length > 0
        ) {
          const cleanup = await this.deleteFromProviders(
            namespace,
            previousSynced,
            {},
          );
          if (cleanup.error) {
            failedState = cleanup.remaining;
            throw new ProviderError(pushCleanupFailed(cleanup.error));
          }
          sourceDeleted = true;
        } else {
          throw new ProviderError(MSG_PUSH_SOURCE_MISSING);
        }
      }
      if (source) {
        const stores = this.pushStores(spec, namespace);
        const data = (source.data ?? {}) as Record<string, string>;
        try {
          for (const store of stores) {
            const storeKey = `${store.kind}/${store.name}`;
            synced[storeKey] = {};
            let session;
            try {
              session = await this.providerForRef(store, namespace);
            } catch (error) {
              throw new ProviderError(
                pushSecretsClientError(store.name, (error as Error).message),
              );
            }
            for (const entry of (spec.data ?? []) as Spec[]) {
              const key: string = entry.match?.secretKey ?? '';
              const remote = (entry.match?.remoteRef ?? {}) as Spec;
              if (key !== '' && !(key in data)) {
                throw new ProviderError(pushKeyMissing(key));
              }
              const ref = remote.property
                ? `${remote.remoteKey}/${remote.property}`
                : remote.remoteKey;
              if (ifNotExists) {
                let exists: boolean;
                try {
                  exists = await session.client.secretExists(
                    session.token,
                    remote.remoteKey,
                    remote.property,
                  );
                } catch (error) {
                  throw new ProviderError(
                    pushExistsCheckError((error as Error).message),
                  );
                }
                if (exists) {
                  // ESO counts a key it left alone as synced
                  synced[storeKey][ref] = entry;
                  continue;
                }
              }
              const value =
                key === ''
                  ? JSON.stringify(
                      Object.fromEntries(
                        Object.entries(data).map(([k, v]) => [
                          k,
                          Buffer.from(v, 'base64').toString('utf8'),
                        ]),
                      ),
                    )
                  : Buffer.from(data[key], 'base64').toString('utf8');
              try {
                await session.client.pushSecret(
                  session.token,
                  remote.remoteKey,
                  remote.property,
                  value,
                );
              } catch (error) {
                throw new ProviderError(
                  pushWriteError(key, store.name, (error as Error).message),
                );
              }
              synced[storeKey][ref] = entry;
            }
          }
        } catch (error) {
          failedState = mergeSyncedPushSecrets(synced, previousSynced);
          throw new ProviderError(
            pushSetSecretFailed((error as Error).message),
          );
        }
        if (deleteRemoved) {
          const removal = await this.deleteFromProviders(
            namespace,
            previousSynced,
            synced,
          );
          if (removal.error) {
            failedState = removal.remaining;
            throw new ProviderError(pushDeleteFailed(removal.error));
          }
        }
      }
    } catch (error) {
      if (!(error instanceof ProviderError)) {
        this.onError(error as Error);
      }
      failure = (error as Error).message;
    }
    this.syncs.set(keyOf(ps), {
      attemptedVersion: syncedResourceVersion(ps),
      storeVersion: '',
      attemptedAt: this.now().getTime(),
      failed: !!failure,
      untilChanged: sourceDeleted,
    });
    const status: Spec = { ...previous };
    let event: { type: 'Normal' | 'Warning'; reason: string; message: string };
    if (failure) {
      status.conditions = this.withCondition(ps, {
        type: 'Ready',
        status: 'False',
        reason: REASON_PUSH_ERRORED,
        message: failure,
      });
      if (failedState) {
        status.syncedPushSecrets = failedState;
      }
      event = {
        type: 'Warning',
        reason: REASON_PUSH_ERRORED,
        message: failure,
      };
    } else if (sourceDeleted) {
      status.conditions = this.withCondition(ps, {
        type: 'Ready',
        status: 'False',
        reason: REASON_PUSH_SOURCE_DELETED,
        message: MSG_PUSH_SOURCE_DELETED,
      });
      status.syncedPushSecrets = {};
      event = {
        type: 'Normal',
        reason: REASON_PUSH_SOURCE_DELETED,
        message: MSG_PUSH_SOURCE_DELETED,
      };
    } else {
      const message = ifNotExists
        ? `${MSG_PUSH_SYNCED}${MSG_PUSH_IF_NOT_EXISTS_SUFFIX}`
        : MSG_PUSH_SYNCED;
      status.conditions = this.withCondition(ps, {
        type: 'Ready',
        status: 'True',
        reason: REASON_PUSH_SYNCED,
        message,
      });
      status.syncedPushSecrets = synced;
      status.refreshTime = this.timestamp();
      status.syncedResourceVersion = syncedResourceVersion(ps);
      event = { type: 'Normal', reason: REASON_PUSH_SYNCED, message };
    }
    await this.writeStatus(type, ps, status);
    await this.events.record(ps, event.type, event.reason, event.message);
  }

  /** The stores a PushSecret names (by name, which must exist, or by `labelSelector`). */
  private pushStores(
    spec: Spec,
    namespace: string,
  ): Array<{ kind: string; name: string }> {
    const stores: Array<{ kind: string; name: string }> = [];
    for (const ref of (spec.secretStoreRefs ?? []) as Spec[]) {
      const kind =
        ref.kind === 'ClusterSecretStore'
          ? 'ClusterSecretStore'
          : 'SecretStore';
      if (ref.labelSelector) {
        for (const store of this.knownStores.values()) {
          if (
            store.kind === kind &&
            (kind === 'ClusterSecretStore' ||
              store.metadata.namespace === namespace) &&
            selectorMatches(ref.labelSelector, store.metadata.labels ?? {})
          ) {
            stores.push({ kind, name: store.metadata.name! });
          }
        }
      } else {
        if (!this.findStoreByRef({ kind, name: ref.name }, namespace)) {
          const plural =
            kind === 'ClusterSecretStore'
              ? 'clustersecretstores'
              : 'secretstores';
          throw new ProviderError(
            getStoreError(
              kind,
              ref.name,
              `${plural}.external-secrets.io ${JSON.stringify(
                ref.name,
              )} not found`,
            ),
          );
        }
        stores.push({ kind, name: ref.name });
      }
    }
    return stores;
  }

  /**
   * ESO's DeleteSecretFromProviders: every ref of `previous` that `next` no longer has is
   * deleted from its store (a store missing from `next` loses all of them), each store reached
   * through the client manager. Stops at the first failure and returns what is then still
   * recorded (`next` merged with what was not yet deleted), as ESO writes it to the status.
   */
  private async deleteFromProviders(
    namespace: string,
    previous: SyncedPushSecrets,
    next: SyncedPushSecrets,
  ): Promise<{ remaining: SyncedPushSecrets; error?: string }> {
    const remaining = mergeSyncedPushSecrets(next, previous);
    for (const [storeKey, oldRefs] of Object.entries(previous)) {
      const [kind, name] = storeKey.split('/');
      let session;
      try {
        session = await this.providerForRef({ kind, name }, namespace);
      } catch (error) {
        return {
          remaining,
          error: pushSecretsClientError(storeKey, (error as Error).message),
        };
      }
      const kept = next[storeKey];
      for (const [ref, entry] of Object.entries(oldRefs ?? {})) {
        if (kept && ref in kept) continue;
        const remote = (entry.match?.remoteRef ?? {}) as Spec;
        try {
          await session.client.deleteSecret(
            session.token,
            remote.remoteKey,
            remote.property,
          );
        } catch (error) {
          return { remaining, error: (error as Error).message };
        }
        if (kept) {
          delete remaining[storeKey][ref];
        }
      }
      if (!kept) {
        delete remaining[storeKey];
      }
    }
    return { remaining };
  }
}

/** `status.syncedPushSecrets`: `<Kind>/<store>` → `<remoteKey>[/<property>]` → the data entry. */
type SyncedPushSecrets = Record<string, Record<string, Spec>>;

/** ESO's mergeSecretState: `next`, plus every ref of `previous` (which wins on the same ref). */
function mergeSyncedPushSecrets(
  next: SyncedPushSecrets,
  previous: SyncedPushSecrets,
): SyncedPushSecrets {
  const out: SyncedPushSecrets = structuredClone(next);
  for (const [store, refs] of Object.entries(previous)) {
    out[store] = { ...(out[store] ?? {}), ...structuredClone(refs ?? {}) };
  }
  return out;
}

/** Whether two JSON-shaped values are equal (key order aside, as the API server keeps it). */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(k => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
