import { KubeConfig, Watch } from '@kubernetes/client-node';

/** Timings of a {@link GuardedWatch}. */
export interface WatchGuards {
  /** asked of the server (`timeoutSeconds`): it ends the watch cleanly, the client re-watches */
  timeoutMs: number;
  /** no line at all (not even a BOOKMARK) for this long: the stream is dead, re-list */
  silentMs: number;
  /** the server must answer the watch request (status and headers) within this */
  connectMs: number;
}

type Callback = (phase: string, apiObj: any, watchObj?: any) => void;
type Done = (err: any) => void;

/**
 * Waits before the re-list that follows a watch the server answered with `410 Gone` when the
 * previous watch ended the same way with nothing in between: an API server (or a proxy in front
 * of it) that expires every watch would otherwise get a LIST and a watch per round trip. The
 * first `410` re-lists at once, as a compaction normally needs; then 1 s, doubling to 30 s, like
 * client-go's reflector backoff. Any delivered event ends the storm.
 */
const EXPIRED_BACKOFF = { initialMs: 1000, maxMs: 30_000 };

/** What `ListWatch` does after `410 Gone`: start over with a fresh LIST. */
function relist(reason: string): Error {
  return Object.assign(new Error(reason), { statusCode: 410 });
}

/**
 * The watch `ListWatch` runs, with the guards `@kubernetes/client-node`'s own `Watch` lacks (it
 * drops its 30 s timeout signal and has none while connecting): the server is asked for
 * `timeoutSeconds` and BOOKMARKs, a request without an answer fails after `connectMs`, and a
 * stream that goes silent — a proxy or a half-open connection that keeps the socket but passes
 * nothing — is ended after `silentMs` as if the server had said `410 Gone`, so `ListWatch`
 * re-lists instead of serving a stale cache forever. `abortAll()` ends every request it started,
 * also one still connecting.
 */
export class GuardedWatch {
  private readonly inner: Watch;
  private readonly live = new Set<AbortController>();
  /** watches in a row that ended in `410 Gone` with no event delivered */
  private expiredInARow = 0;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(kubeConfig: KubeConfig, private readonly guards: WatchGuards) {
    this.inner = new Watch(kubeConfig);
  }

  abortAll(): void {
    for (const controller of [...this.live]) {
      controller.abort();
    }
    // a re-list waiting out the 410 backoff is not wanted any more either
    this.delayed.forEach(timer => clearTimeout(timer));
    this.delayed.clear();
  }

  async watch(
    path: string,
    queryParams: Record<string, any>,
    callback: Callback,
    done: Done,
  ): Promise<AbortController> {
    const outer = new AbortController();
    this.live.add(outer);
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.live.delete(outer);
      outer.abort();
      if (!expired || error) {
        done(error ?? null);
        return;
      }
      this.expiredInARow += 1;
      if (this.expiredInARow === 1) {
        done(null);
        return;
      }
      const delay = Math.min(
        EXPIRED_BACKOFF.initialMs * 2 ** (this.expiredInARow - 2),
        EXPIRED_BACKOFF.maxMs,
      );
      const wait = setTimeout(() => {
        this.delayed.delete(wait);
        done(null);
      }, delay);
      wait.unref?.();
      this.delayed.add(wait);
    };
    const arm = (ms: number, onExpiry: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(onExpiry, ms);
      timer.unref?.();
    };
    arm(this.guards.connectMs, () =>
      finish(
        Object.assign(new Error('the watch request got no answer in time'), {
          name: 'TimeoutError',
        }),
      ),
    );
    const silent = () =>
      finish(
        relist(
          `the watch stream was silent for ${Math.round(
            this.guards.silentMs / 1000,
          )} s`,
        ),
      );

    this.inner
      .watch(
        path,
        {
          ...queryParams,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.max(1, Math.round(this.guards.timeoutMs / 1000)),
        },
        (phase, apiObj, watchObj) => {
          if (finished) return;
          if (phase === 'ERROR') {
            if ((apiObj as { code?: unknown })?.code === 410) expired = true;
          } else {
            this.expiredInARow = 0;
          }
          arm(this.guards.silentMs, silent);
          callback(phase, apiObj, watchObj);
        },
        error => finish(error),
      )
      .then(controller => {
        if (finished || outer.signal.aborted) {
          controller.abort();
          return;
        }
        // connected: from now on only silence ends it early
        arm(this.guards.silentMs, silent);
        outer.signal.addEventListener('abort', () => controller.abort(), {
          once: true,
        });
      })
      .catch(error => finish(error));
    outer.signal.addEventListener(
      'abort',
      () => {
        // ListWatch aborts the request it holds when it stops or restarts: that ends this watch
        // without a report (ListWatch asked for it).
        if (!finished) {
          finished = true;
          clearTimeout(timer);
          this.live.delete(outer);
        }
      },
      { once: true },
    );
    return outer;
  }
}
