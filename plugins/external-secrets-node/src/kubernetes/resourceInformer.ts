import {
  ADD,
  DELETE,
  ERROR,
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  ListWatch,
  UPDATE,
  Watch,
} from '@kubernetes/client-node';
import { GuardedWatch, WatchGuards } from './guardedWatch';
import { describeKubernetesError } from './kubernetesErrors';

/**
 * What happened to a cached object.
 *
 * @public
 */
export type CacheChangeType = 'added' | 'updated' | 'deleted';

/**
 * `metadata.managedFields` is often the largest part of an object and is never read here: the
 * caches do not keep it.
 */
function withoutManagedFields(object: KubernetesObject): void {
  if (object.metadata?.managedFields) {
    delete object.metadata.managedFields;
  }
}

/**
 * Health of one list+watch cache.
 *
 * @public
 */
export interface InformerHealth {
  /** true once a LIST has succeeded */
  listed: boolean;
  /** false while the LIST or the WATCH is failing and being retried */
  healthy: boolean;
  lastListTime?: Date;
  /** what failed, safe to show to users (no address, body or identity); details go to the log */
  lastError?: string;
}

/**
 * Delays between retries of a failing LIST or WATCH: doubling from `initialMs` up to `maxMs`.
 *
 * @public
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** @public */
export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  maxMs: 60_000,
};

/** One page of a LIST, as a {@link ResourceInformer} asks for it. */
export interface ListPageRequest {
  limit: number;
  continueToken?: string;
  /** aborts the request on timeout or stop */
  signal: AbortSignal;
}

/** Timeouts and sizes of a {@link ResourceInformer}'s requests. */
export interface InformerRequestLimits extends WatchGuards {
  /** objects per LIST page (`limit`) */
  pageSize: number;
  /** timeout of one LIST page */
  requestTimeoutMs: number;
}

/** @public */
export const DEFAULT_REQUEST_LIMITS: InformerRequestLimits = {
  pageSize: 500,
  requestTimeoutMs: 30_000,
  connectMs: 30_000,
  timeoutMs: 300_000,
  silentMs: 180_000,
};

/** Options of a {@link ResourceInformer}. */
export interface ResourceInformerOptions<T extends KubernetesObject> {
  /** a short name for logs and health, e.g. `ExternalSecret` */
  resource: string;
  /** the collection path for WATCH, e.g. `/apis/external-secrets.io/v1/externalsecrets` */
  path: string;
  /** signs WATCH requests */
  kubeConfig: KubeConfig;
  /** one page of the LIST (`limit`/`continue`), honouring the signal */
  listPage: (page: ListPageRequest) => Promise<KubernetesListObject<T>>;
  /** changes an object as it enters the cache (e.g. shortens what is never read) */
  prune?: (object: T) => void;
  fieldSelector?: string;
  backoff?: BackoffOptions;
  limits?: InformerRequestLimits;
  onChange: (type: CacheChangeType, object: T) => void;
  /** `repeated` is true while the same outage goes on, so callers can log it once */
  onError?: (error: Error, repeated: boolean) => void;
}

/**
 * One list+watch cache over a Kubernetes collection, on `ListWatch` from
 * `@kubernetes/client-node`. `ListWatch` re-lists after `410 Gone` and resumes a watch the server
 * closed; it stops on any other error. Then this class starts over with a fresh `ListWatch` (a
 * new LIST, as client-go's reflector does) after an exponential backoff, keeps serving the last
 * known objects meanwhile, reports only real differences once the new list arrives, and keeps the
 * health a cluster's status reports.
 */
export class ResourceInformer<T extends KubernetesObject> {
  readonly resource: string;
  private current: ListWatch<T>;
  /** a retry's fresh instance, until its first list is in and it becomes `current` */
  private candidate: ListWatch<T> | undefined;
  /** the instance being replaced, until the replacement's first list is in */
  private previous: ListWatch<T> | undefined;
  private readonly backoff: BackoffOptions;
  private readonly options: ResourceInformerOptions<T>;
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private state: InformerHealth = { listed: false, healthy: false };
  private readonly limits: InformerRequestLimits;
  private readonly watches = new WeakMap<ListWatch<T>, GuardedWatch>();
  /** aborts LIST requests in flight when the informer stops */
  private stopController = new AbortController();

  constructor(options: ResourceInformerOptions<T>) {
    this.options = options;
    this.limits = options.limits ?? DEFAULT_REQUEST_LIMITS;
    this.resource = options.resource;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delayMs = this.backoff.initialMs;
    this.current = this.createListWatch();
  }

  /** Starts listing and watching in the background; never throws. */
  start(): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    this.stopController = new AbortController();
    this.run(this.current);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    const candidate = this.candidate;
    this.candidate = undefined;
    this.stopController.abort();
    for (const instance of [this.current, candidate]) {
      if (instance) this.watches.get(instance)?.abortAll();
    }
    await Promise.all([this.current.stop(), candidate?.stop()]);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.current.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return [...this.current.list(namespace)];
  }

  health(): InformerHealth {
    return { ...this.state };
  }

  private createListWatch(): ListWatch<T> {
    const watch = new GuardedWatch(this.options.kubeConfig, this.limits);
    const instance: ListWatch<T> = new ListWatch<T>(
      this.options.path,
      watch as unknown as Watch,
      () => this.listOnce(instance),
      false,
      undefined,
      this.options.fieldSelector,
    );
    instance.on(ADD, object => this.changed(instance, 'added', object));
    instance.on(UPDATE, object => this.changed(instance, 'updated', object));
    instance.on(DELETE, object => this.changed(instance, 'deleted', object));
    instance.on(ERROR, error => this.failed(instance, error));
    this.watches.set(instance, watch);
    return instance;
  }

  private prune(object: T) {
    withoutManagedFields(object);
    this.options.prune?.(object);
  }

  /**
   * The whole collection, page by page (`limit`/`continue`), each page within the request
   * timeout. A `continue` token that expired meanwhile (`410`) starts the list over, once.
   */
  private async listAll(): Promise<KubernetesListObject<T>> {
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let continueToken: string | undefined;
      let last: KubernetesListObject<T> | undefined;
      try {
        do {
          const signal = AbortSignal.any([
            this.stopController.signal,
            AbortSignal.timeout(this.limits.requestTimeoutMs),
          ]);
          last = await this.options.listPage({
            limit: this.limits.pageSize,
            continueToken,
            signal,
          });
          for (const item of last.items ?? []) {
            this.prune(item);
            items.push(item);
          }
          const meta = (last.metadata ?? {}) as {
            _continue?: string;
            continue?: string;
          };
          continueToken = meta._continue || meta.continue || undefined;
        } while (continueToken);
      } catch (error) {
        const status = (error as { code?: unknown; statusCode?: unknown }).code;
        if (continueToken && status === 410 && attempt === 0) {
          continue;
        }
        throw error;
      }
      return {
        ...last!,
        metadata: { resourceVersion: last?.metadata?.resourceVersion },
        items,
      };
    }
  }

  private run(instance: ListWatch<T>) {
    instance.start().catch(error => this.failed(instance, error));
  }

  private async listOnce(
    instance: ListWatch<T>,
  ): Promise<KubernetesListObject<T>> {
    const result = await this.listAll();
    if (
      this.stopped ||
      (instance !== this.current && instance !== this.candidate)
    ) {
      // stopped, or replaced while its list was under way: it must not start watching
      await instance.stop();
      throw new Error('list+watch instance no longer in use');
    }
    this.state = {
      listed: true,
      healthy: true,
      lastListTime: new Date(),
      lastError: undefined,
    };
    this.delayMs = this.backoff.initialMs;
    if (instance !== this.current) {
      const previous = this.current;
      if (this.candidate === instance) {
        this.candidate = undefined;
      }
      const present = new Set(
        (result.items ?? []).map(
          o => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`,
        ),
      );
      this.previous = previous;
      this.current = instance;
      // normally dead already (its failure started the retry); never two live watches
      this.watches.get(previous)?.abortAll();
      previous.stop().catch(() => undefined);
      for (const gone of previous.list()) {
        if (
          !present.has(
            `${gone.metadata?.namespace ?? ''}/${gone.metadata?.name}`,
          )
        ) {
          this.options.onChange('deleted', gone);
        }
      }
      // ListWatch adds the listed items synchronously after this promise settles; the old copy
      // is only needed until then, to tell unchanged objects from real changes.
      setTimeout(() => {
        if (this.previous === previous) {
          this.previous = undefined;
        }
      }, 0);
    }
    return result;
  }

  private changed(instance: ListWatch<T>, type: CacheChangeType, object: T) {
    if (instance !== this.current) {
      return;
    }
    // the object ListWatch keeps: pruned once, as it enters
    this.prune(object);
    if (this.state.listed && !this.state.healthy) {
      this.state = { ...this.state, healthy: true, lastError: undefined };
    }
    this.delayMs = this.backoff.initialMs;
    if (type === 'added' && this.previous) {
      const before = this.previous.get(
        object.metadata?.name ?? '',
        object.metadata?.namespace,
      );
      if (
        before &&
        before.metadata?.resourceVersion === object.metadata?.resourceVersion
      ) {
        return;
      }
      if (before) {
        this.options.onChange('updated', object);
        return;
      }
    }
    this.options.onChange(type, object);
  }

  private failed(instance: ListWatch<T>, error: unknown) {
    // after stop() the aborted watch reports an error: that is the stop, not a failure
    if (this.stopped) {
      return;
    }
    // A retry's instance is not `current` until its first list is in, so its own failure (the
    // cluster still down) must count too: ignoring it would end the retrying for good.
    if (instance !== this.current && instance !== this.candidate) {
      return;
    }
    if (instance === this.candidate) {
      this.candidate = undefined;
    }
    const repeated = !this.state.healthy && this.state.lastError !== undefined;
    this.state = {
      ...this.state,
      healthy: false,
      lastError: describeKubernetesError(error),
    };
    this.options.onError?.(
      error instanceof Error ? error : new Error(String(error)),
      repeated,
    );
    this.scheduleRetry();
  }

  /** One retry at a time, after a delay doubling up to `maxMs`, until {@link stop}. */
  private scheduleRetry() {
    if (this.retryTimer || this.stopped) {
      return;
    }
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) {
        return;
      }
      const retry = this.createListWatch();
      this.candidate = retry;
      this.run(retry);
    }, delay);
    this.retryTimer.unref?.();
  }
}
