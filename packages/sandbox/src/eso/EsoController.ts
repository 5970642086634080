import { parseGoDuration } from '@gitops-secrets/plugin-external-secrets-common';
import {
  KubeObject,
  KubernetesApiError,
  KubernetesEmulator,
  ResourceType,
  StoredChange,
} from '../kubernetes';
import { EventRecorder } from './EventRecorder';
import {
  MSG_SECRET_SYNCED,
  MSG_STORE_CLIENT_ERROR,
  MSG_STORE_VALIDATED,
  MSG_SYNC_ERROR,
  REASON_INVALID_PROVIDER_CONFIG,
  REASON_SECRET_SYNCED,
  REASON_SECRET_SYNCED_ERROR,
  REASON_STORE_VALID,
  REASON_UPDATED,
  REASON_UPDATE_FAILED,
  caError,
  dataError,
  dataFromError,
  loginError,
  propertyMissing,
  storeNotReady,
} from './esoMessages';
import { syncedResourceVersion } from './syncedResourceVersion';
import { ProviderError, VaultProviderClient } from './VaultProviderClient';

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
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A simulation of the External Secrets Operator's Vault provider against the Kubernetes
 * emulator: validates each (Cluster)SecretStore by logging in to Vault with the store's role and
 * service account, and syncs each ExternalSecret (reads every remoteRef from KV v1/v2, writes
 * the target Secret, sets Ready and records Events with ESO's reasons and messages) on its
 * `refreshInterval`, on spec or `force-sync` annotation changes, and when its target Secret is
 * deleted. Vault is reached over HTTP(S) at the store's `server`, so Vault's own configuration
 * decides whether login and reads work.
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
    this.events = new EventRecorder(this.cluster, this.now);
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
    for (const type of [
      this.cluster.type('clustersecretstores'),
      this.cluster.type('secretstores'),
    ]) {
      for (const store of this.cluster.objects.list(type)) {
        if (this.storeIsDue(store, now)) {
          await this.reconcileStore(type, store);
        }
      }
    }
    const externalSecrets = this.cluster.type('externalsecrets');
    const live = new Set<string>();
    for (const es of this.cluster.objects.list(externalSecrets)) {
      live.add(keyOf(es));
      if (this.syncIsDue(es, now)) {
        await this.reconcileExternalSecret(es);
      }
    }
    for (const key of this.syncs.keys()) {
      if (!live.has(key)) {
        this.syncs.delete(key);
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

  private syncIsDue(es: KubeObject, now: number): boolean {
    const state = this.syncs.get(keyOf(es));
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
    if (policy === 'Owner' && !this.targetSecret(es)) {
      return true;
    }
    const interval = parseGoDuration(spec.refreshInterval ?? '1h') ?? 3_600_000;
    return interval > 0 && now - state.attemptedAt >= interval;
  }

  private findStore(es: KubeObject): KubeObject | undefined {
    const ref = (es.spec as Spec).secretStoreRef ?? {};
    const cluster = ref.kind === 'ClusterSecretStore';
    const type = this.cluster.type(
      cluster ? 'clustersecretstores' : 'secretstores',
    );
    try {
      return this.cluster.objects.get(
        type,
        cluster ? undefined : es.metadata.namespace,
        ref.name,
      );
    } catch {
      return undefined;
    }
  }

  private targetName(es: KubeObject): string {
    return (es.spec as Spec).target?.name ?? es.metadata.name!;
  }

  private targetSecret(es: KubeObject): KubeObject | undefined {
    try {
      return this.cluster.objects.get(
        this.cluster.type('secrets'),
        es.metadata.namespace,
        this.targetName(es),
      );
    } catch {
      return undefined;
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
    await this.cluster.objects.update(
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
  private readCa(store: KubeObject, vault: Spec): string | undefined {
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
      source = this.cluster.objects.get(
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

  /** Logs in to the store's Vault with its Kubernetes auth settings. */
  private async login(store: KubeObject) {
    const vault = (store.spec as Spec).provider.vault as Spec;
    const client = new VaultProviderClient({
      server: vault.server,
      path: vault.path ?? 'secret',
      version: vault.version ?? 'v2',
      namespace: vault.namespace,
      caPem: this.readCa(store, vault),
    });
    const kubernetes = vault.auth?.kubernetes as Spec | undefined;
    if (!kubernetes) {
      throw new ProviderError(
        'the sandbox ESO simulation supports Vault Kubernetes auth only',
      );
    }
    const ref = kubernetes.serviceAccountRef ?? {};
    const namespace =
      store.kind === 'ClusterSecretStore'
        ? ref.namespace
        : store.metadata.namespace;
    let jwt: string;
    try {
      jwt = await this.cluster.issueServiceAccountToken({
        namespace,
        name: ref.name,
        audiences: ref.audiences,
        expirationSeconds: 600,
      });
    } catch (error) {
      const message =
        error instanceof KubernetesApiError ? error.message : String(error);
      throw new ProviderError(
        loginError(`error creating service account token: ${message}`),
      );
    }
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

  private async reconcileStore(type: ResourceType, store: KubeObject) {
    const vault = (store.spec as Spec)?.provider?.vault;
    if (!vault) {
      return;
    }
    let condition: Condition;
    let failure: string | undefined;
    try {
      await this.login(store);
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

  private async fetchValues(es: KubeObject): Promise<Record<string, string>> {
    const spec = es.spec as Spec;
    const ref = spec.secretStoreRef ?? {};
    const kind = ref.kind ?? 'SecretStore';
    const store = this.findStore(es);
    if (!store) {
      throw new ProviderError(
        `could not get ${kind} ${JSON.stringify(ref.name)}: not found`,
      );
    }
    if (readyCondition(store)?.status !== 'True') {
      throw new ProviderError(storeNotReady(kind, ref.name));
    }
    const { client, token } = await this.login(store);
    const reads = new Map<string, Promise<Record<string, unknown>>>();
    const read = (key: string) => {
      if (!reads.has(key)) {
        reads.set(key, client.readSecret(token, key));
      }
      return reads.get(key)!;
    };
    const values: Record<string, string> = {};
    for (const [index, entry] of ((spec.data ?? []) as Spec[]).entries()) {
      const { key, property } = entry.remoteRef;
      try {
        const secret = await read(key);
        if (property === undefined || property === '') {
          values[entry.secretKey] = JSON.stringify(secret);
        } else if (!(property in secret)) {
          throw new ProviderError(propertyMissing(property));
        } else {
          values[entry.secretKey] = stringValue(secret[property]);
        }
      } catch (error) {
        throw new ProviderError(
          dataError(index, key, (error as Error).message),
        );
      }
    }
    for (const [index, entry] of ((spec.dataFrom ?? []) as Spec[]).entries()) {
      if (!entry.extract) {
        continue;
      }
      try {
        const secret = await read(entry.extract.key);
        for (const [name, value] of Object.entries(secret)) {
          values[name] = stringValue(value);
        }
      } catch (error) {
        throw new ProviderError(dataFromError(index, (error as Error).message));
      }
    }
    return values;
  }

  private async writeTarget(es: KubeObject, values: Record<string, string>) {
    const spec = es.spec as Spec;
    const policy = spec.target?.creationPolicy ?? 'Owner';
    if (policy === 'None') {
      return;
    }
    const secrets = this.cluster.type('secrets');
    const name = this.targetName(es);
    const data = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [
        k,
        Buffer.from(v, 'utf8').toString('base64'),
      ]),
    );
    const existing = this.targetSecret(es);
    if (policy === 'Merge') {
      if (!existing) {
        throw new ProviderError(
          `the desired secret ${name} was not found. With creationPolicy=Merge the secret won't be created`,
        );
      }
      await this.cluster.objects.update(secrets, es.metadata.namespace, name, {
        ...existing,
        data: { ...((existing.data as Spec) ?? {}), ...data },
      });
      return;
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
      await this.cluster.objects.update(secrets, es.metadata.namespace, name, {
        ...existing,
        ...secret,
        metadata: { ...existing.metadata, ...metadata },
      });
    } else {
      await this.cluster.objects.create(secrets, es.metadata.namespace, secret);
    }
  }

  private async reconcileExternalSecret(es: KubeObject) {
    const type = this.cluster.type('externalsecrets');
    const status = { ...((es.status as Spec) ?? {}) };
    let failure: string | undefined;
    try {
      const values = await this.fetchValues(es);
      await this.writeTarget(es, values);
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
    await this.events.record(
      es,
      failure ? 'Warning' : 'Normal',
      failure ? REASON_UPDATE_FAILED : REASON_UPDATED,
      failure ?? 'Updated Secret',
    );
  }
}
