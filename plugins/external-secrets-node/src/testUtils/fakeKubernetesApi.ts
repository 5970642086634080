import { randomUUID } from 'node:crypto';
import { http, HttpResponse, type HttpHandler } from 'msw';

/**
 * A small in-memory Kubernetes API for tests of the caches, served through msw: LIST and WATCH
 * with resourceVersions, `involvedObject.kind` field selectors, 410 for compacted versions,
 * bearer-token auth, merge patches, and switches to drop watches, hold lists or take the whole
 * server down. The reader's token has no access to Secrets, as the backend's ClusterRole
 * grants none: every request about Secrets is recorded as a violation and answered `403`.
 *
 * @public
 */
export class FakeKubernetesApi {
  readonly baseUrl: string;
  readonly token: string;
  /** every request about Secrets (tests assert this stays empty) */
  readonly secretRequests: string[] = [];
  readonly requests: Array<{ method: string; path: string; search: string }> =
    [];
  readonly patches: Array<{
    path: string;
    body: unknown;
    contentType: string | null;
  }> = [];
  /** requests refused while the server was down (method, path, search) */
  readonly refusedRequests: Array<{
    method: string;
    path: string;
    search: string;
  }> = [];
  private resourceVersion = 100;
  /** watches from a version at or below this get 410 Gone */
  private compactedBelow = 0;
  private down = false;
  private listGate: Promise<void> | undefined;
  private silent = false;
  private readonly collections = new Map<string, Map<string, any>>();
  private readonly watchers = new Set<{
    collection: string;
    fieldSelector?: string;
    send: (line: string) => void;
    close: () => void;
  }>();

  private readonly forbidden = new Set<string>();

  constructor(options: { baseUrl: string; token: string }) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.token = options.token;
  }

  /** Creates or replaces an object; `collection` is its list path, e.g. `/api/v1/events`. */
  put(collection: string, object: any): any {
    const items = this.items(collection);
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const existed = items.has(key);
    this.resourceVersion += 1;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.resourceVersion);
    // an API server gives every object a uid at creation and keeps it on updates
    stored.metadata.uid =
      items.get(key)?.metadata.uid ?? object.metadata.uid ?? randomUUID();
    items.set(key, stored);
    this.notify(collection, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  remove(
    collection: string,
    namespace: string | undefined,
    name: string,
  ): void {
    const items = this.items(collection);
    const key = `${namespace ?? ''}/${name}`;
    const stored = items.get(key);
    if (stored) {
      items.delete(key);
      this.resourceVersion += 1;
      this.notify(collection, 'DELETED', {
        ...stored,
        metadata: {
          ...stored.metadata,
          resourceVersion: String(this.resourceVersion),
        },
      });
    }
  }

  get(collection: string, namespace: string | undefined, name: string): any {
    return this.items(collection).get(`${namespace ?? ''}/${name}`);
  }

  /** Closes every open watch, as a restarting API server or a broken connection would. */
  dropWatches(): void {
    for (const watcher of [...this.watchers]) {
      watcher.close();
    }
  }

  /** Makes every resume from an older version fail with 410 Gone (etcd compaction). */
  compact(): void {
    this.compactedBelow = this.resourceVersion;
  }

  setDown(down: boolean): void {
    this.down = down;
    if (down) {
      this.dropWatches();
    }
  }

  /**
   * Holds every LIST (not WATCH) without an answer until the returned function is called, as
   * an API server that accepted the connection and never answers.
   */
  holdLists(): () => void {
    let release!: () => void;
    this.listGate = new Promise<void>(resolve => {
      release = resolve;
    });
    return () => {
      this.listGate = undefined;
      release();
    };
  }

  /**
   * While on, open watches stay open but carry nothing (and new ones too): a proxy or a
   * half-open connection that keeps the socket and passes no byte.
   */
  silenceWatches(on: boolean): void {
    this.silent = on;
  }

  /** How many LIST requests for a collection were refused while the server was down. */
  refusedListCount(collection: string): number {
    return this.refusedRequests.filter(
      r => r.path === collection && !r.search.includes('watch=true'),
    ).length;
  }

  /** How many WATCH requests reached the server for a collection. */
  watchRequestCount(collection: string): number {
    return this.requests.filter(
      r => r.path === collection && r.search.includes('watch=true'),
    ).length;
  }

  /** Forgets every object, request and watch, between tests. */
  reset(): void {
    this.dropWatches();
    this.collections.clear();
    this.requests.length = 0;
    this.refusedRequests.length = 0;
    this.patches.length = 0;
    this.secretRequests.length = 0;
    this.compactedBelow = 0;
    this.down = false;
    this.silent = false;
    this.forbidden.clear();
  }

  /** Answers LIST and WATCH of a collection with the API server's 403, as RBAC without it would. */
  forbid(collection: string): void {
    this.forbidden.add(collection);
  }

  handlers(): HttpHandler[] {
    return [
      http.all(`${this.baseUrl}/*`, async ({ request }) =>
        this.handle(request),
      ),
    ];
  }

  private items(collection: string): Map<string, any> {
    if (!this.collections.has(collection)) {
      this.collections.set(collection, new Map());
    }
    return this.collections.get(collection)!;
  }

  private notify(collection: string, type: string, object: any) {
    if (this.silent) {
      return;
    }
    for (const watcher of this.watchers) {
      if (
        watcher.collection === collection &&
        this.selected(object, watcher.fieldSelector)
      ) {
        watcher.send(
          JSON.stringify({
            type,
            object,
          }),
        );
      }
    }
  }

  private selected(object: any, fieldSelector?: string): boolean {
    if (!fieldSelector) {
      return true;
    }
    return fieldSelector.split(',').every(requirement => {
      const [field, value] = requirement.split('=');
      const actual = field
        .split('.')
        .reduce(
          (node: any, part) => (node === undefined ? undefined : node[part]),
          object,
        );
      return String(actual ?? '') === value;
    });
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (this.down) {
      this.refusedRequests.push({
        method: request.method,
        path,
        search: url.search,
      });
      return HttpResponse.error();
    }
    this.requests.push({ method: request.method, path, search: url.search });
    if (request.headers.get('authorization') !== `Bearer ${this.token}`) {
      return HttpResponse.json(
        {
          kind: 'Status',
          status: 'Failure',
          reason: 'Unauthorized',
          code: 401,
        },
        { status: 401 },
      );
    }
    if (/^\/api\/v1\/(namespaces\/[^/]+\/)?secrets\b/.test(path)) {
      this.secretRequests.push(`${request.method} ${path}${url.search}`);
      return HttpResponse.json(
        {
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message: `secrets is forbidden: User "system:serviceaccount:backstage:backstage" cannot list resource "secrets" in API group "" at the cluster scope`,
        },
        { status: 403 },
      );
    }
    if (this.forbidden.has(path)) {
      const resource = path.split('/').pop();
      return HttpResponse.json(
        {
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message: `${resource}.external-secrets.io is forbidden: User "system:serviceaccount:backstage:backstage" cannot list resource "${resource}" in API group "external-secrets.io" at the cluster scope`,
        },
        { status: 403 },
      );
    }
    if (request.method === 'PATCH') {
      return this.patch(request, path);
    }
    if (request.method !== 'GET') {
      return HttpResponse.json({ kind: 'Status', code: 405 }, { status: 405 });
    }
    const fieldSelector = url.searchParams.get('fieldSelector') ?? undefined;
    if (url.searchParams.get('watch') === 'true') {
      return this.watch(
        path,
        Number(url.searchParams.get('resourceVersion') ?? 0),
        fieldSelector,
      );
    }
    if (this.listGate) {
      await this.listGate;
    }
    const all = [...this.items(path).values()].filter(o =>
      this.selected(o, fieldSelector),
    );
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const offset = Number(url.searchParams.get('continue') ?? 0);
    const items = limit > 0 ? all.slice(offset, offset + limit) : all;
    const more = limit > 0 && offset + limit < all.length;
    return HttpResponse.json({
      apiVersion: 'v1',
      kind: 'List',
      metadata: {
        resourceVersion: String(this.resourceVersion),
        ...(more ? { continue: String(offset + limit) } : {}),
      },
      items,
    });
  }

  private watch(
    collection: string,
    from: number,
    fieldSelector?: string,
  ): Response {
    const encoder = new TextEncoder();
    let watcher: any;
    const stream = new ReadableStream<Uint8Array>({
      start: controller => {
        if (from < this.compactedBelow) {
          controller.enqueue(
            encoder.encode(
              `${JSON.stringify({
                type: 'ERROR',
                object: {
                  kind: 'Status',
                  code: 410,
                  reason: 'Expired',
                  message: 'too old resource version',
                },
              })}\n`,
            ),
          );
          controller.close();
          return;
        }
        watcher = {
          collection,
          fieldSelector,
          send: (line: string) =>
            controller.enqueue(encoder.encode(`${line}\n`)),
          close: () => {
            this.watchers.delete(watcher);
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          },
        };
        this.watchers.add(watcher);
      },
      cancel: () => {
        this.watchers.delete(watcher);
      },
    });
    return new HttpResponse(stream, {
      headers: { 'Content-Type': 'application/json' },
    });
  }

  private async patch(request: Request, path: string): Promise<Response> {
    const match =
      /^(\/apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(
        path,
      );
    if (!match) {
      return HttpResponse.json({ kind: 'Status', code: 404 }, { status: 404 });
    }
    const [, groupVersion, namespace, plural, name] = match;
    const collection = `${groupVersion}/${plural}`;
    const existing = this.get(collection, namespace, name);
    if (!existing) {
      return HttpResponse.json(
        { kind: 'Status', code: 404, reason: 'NotFound' },
        { status: 404 },
      );
    }
    const body = (await request.json()) as any;
    this.patches.push({
      path,
      body,
      contentType: request.headers.get('content-type'),
    });
    const updated = structuredClone(existing);
    updated.metadata.annotations = {
      ...updated.metadata.annotations,
      ...body?.metadata?.annotations,
    };
    return HttpResponse.json(this.put(collection, updated));
  }
}
