import type {
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';

/** A TLS identity the proxy serves: certificate and key in PEM. */
export interface ProxyTls {
  certPem: string;
  keyPem: string;
}

/** One request that reached the proxy's HTTP layer. */
export interface ProxiedRequest {
  /** `Date.now()` when it arrived: fake time under fake timers */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  watch: boolean;
}

type Match = (request: ProxiedRequest) => boolean;

type Action =
  | { kind: 'hang' }
  | { kind: 'answer'; status: number; body: unknown }
  | { kind: 'delay'; ms: number }
  | { kind: 'expire-watch' };

interface Rule {
  match: Match;
  action: Action;
}

/** A client connection and where its bytes go. */
interface Flow {
  client: net.Socket;
  upstream?: net.Socket;
}

const LOOPBACK = '127.0.0.1';

function parse(req: IncomingMessage): ProxiedRequest {
  const url = new URL(req.url ?? '/', 'https://proxy.invalid');
  const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  return {
    at: Date.now(),
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    watch,
  };
}

/** Requests the Kubernetes client sends to list a collection (any GET that is not a watch). */
export const isList: Match = r => r.method === 'GET' && !r.watch;
export const isWatch: Match = r => r.watch;
export const anyRequest: Match = () => true;

/**
 * A fault-injecting front for an emulator's request listener, on loopback, with faults at the
 * layer where real ones happen:
 *
 * - TCP: `blackhole()` accepts connections and never answers (open ones stop passing bytes too,
 *   as behind a firewall that drops packets); `refuse()` closes the port (connection refused,
 *   open connections reset); `dropConnections()` cuts every open connection.
 * - TLS: `serveCertificate()` swaps the server certificate for new connections and drops the
 *   open ones, as a server restarted with a new certificate.
 * - HTTP: rules per request — `hang` (never answer), `answer` (status and JSON body instead of
 *   the emulator), `delay` (answer after `ms`, on the global timers so fake timers drive it),
 *   `expire-watch` (a watch answered with the API server's `410 Expired` ERROR event and closed);
 *   `silenceWatches()` makes the open watch streams pass nothing more, without closing them.
 *
 * The front (a TCP proxy) listens on the public port and passes bytes to a TLS server on a second
 * loopback port that serves `handler`. `clear()` removes every fault.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  private handler: RequestListener = (_req, res) => {
    res.writeHead(503);
    res.end();
  };
  private readonly front: net.Server;
  private readonly back: https.Server;
  private backPort = 0;
  private publicPort = 0;
  private mode: 'pass' | 'blackhole' | 'refuse' = 'pass';
  private readonly flows = new Set<Flow>();
  private rules: Rule[] = [];
  private readonly openWatches = new Map<ServerResponse, ProxiedRequest>();
  private readonly silenced = new WeakSet<ServerResponse>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly trustedTls: ProxyTls;

  private constructor(tls: ProxyTls, readonly hostname: string) {
    this.trustedTls = tls;
    this.back = https.createServer({ cert: tls.certPem, key: tls.keyPem });
    this.back.on('request', (req, res) => this.serve(req, res));
    this.back.on('tlsClientError', () => undefined);
    this.front = net.createServer(client => this.accept(client));
  }

  /** Starts both listeners on loopback. `hostname` is how clients name it (default 127.0.0.1). */
  static async start(options: {
    tls: ProxyTls;
    hostname?: string;
    handler?: RequestListener;
  }): Promise<FaultProxy> {
    const proxy = new FaultProxy(options.tls, options.hostname ?? LOOPBACK);
    if (options.handler) proxy.setHandler(options.handler);
    proxy.backPort = await listen(proxy.back, 0);
    proxy.publicPort = await listen(proxy.front, 0);
    return proxy;
  }

  get port(): number {
    return this.publicPort;
  }

  get url(): string {
    return `https://${this.hostname}:${this.publicPort}`;
  }

  setHandler(handler: RequestListener): void {
    this.handler = handler;
  }

  /** Requests seen since `since` (fake time) that match. */
  count(match: Match, since = -Infinity): number {
    return this.requests.filter(r => r.at >= since && match(r)).length;
  }

  blackhole(): void {
    this.mode = 'blackhole';
    for (const flow of this.flows) {
      // the client keeps its connection; nothing it sends arrives, nothing comes back
      flow.upstream?.unpipe(flow.client);
      flow.client.unpipe(flow.upstream);
      flow.upstream?.destroy();
      flow.upstream = undefined;
      flow.client.on('data', () => undefined);
    }
  }

  async refuse(): Promise<void> {
    this.mode = 'refuse';
    this.dropConnections();
    await new Promise<void>(resolve => this.front.close(() => resolve()));
  }

  dropConnections(): void {
    for (const flow of this.flows) {
      flow.upstream?.destroy();
      flow.client.destroy();
    }
    this.flows.clear();
  }

  /** Serves `tls` from now on; open connections are dropped (a restart with a new certificate). */
  serveCertificate(tls: ProxyTls): void {
    this.back.setSecureContext({ cert: tls.certPem, key: tls.keyPem });
    this.dropConnections();
  }

  /** Adds an HTTP rule; the first matching rule applies. */
  rule(match: Match, action: Action): void {
    this.rules.push({ match, action });
  }

  hang(match: Match): void {
    this.rule(match, { kind: 'hang' });
  }

  answer(match: Match, status: number, body: unknown): void {
    this.rule(match, { kind: 'answer', status, body });
  }

  delay(match: Match, ms: number): void {
    this.rule(match, { kind: 'delay', ms });
  }

  expireWatches(): void {
    this.rule(isWatch, { kind: 'expire-watch' });
  }

  /** The watch streams open now pass nothing more (not even their end); the sockets stay open. */
  silenceWatches(): number {
    for (const res of this.openWatches.keys()) this.silenced.add(res);
    return this.openWatches.size;
  }

  /** How many watch streams are open now (answered, not ended) that match. */
  openWatchCount(match: Match = anyRequest): number {
    return [...this.openWatches.values()].filter(match).length;
  }

  /** Removes every fault: rules, hanging and silenced answers, black hole, refusal, certificate. */
  async clear(): Promise<void> {
    this.rules = [];
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
    for (const res of this.openWatches.keys()) {
      if (this.silenced.has(res)) res.socket?.destroy();
    }
    if (this.mode === 'blackhole') {
      for (const flow of [...this.flows]) {
        if (!flow.upstream) {
          flow.client.destroy();
          this.flows.delete(flow);
        }
      }
    }
    if (this.mode === 'refuse') {
      await listen(this.front, this.publicPort);
    }
    this.mode = 'pass';
    this.back.setSecureContext({
      cert: this.trustedTls.certPem,
      key: this.trustedTls.keyPem,
    });
  }

  async close(): Promise<void> {
    this.dropConnections();
    this.back.closeAllConnections();
    await Promise.all([
      this.mode === 'refuse'
        ? Promise.resolve()
        : new Promise<void>(resolve => this.front.close(() => resolve())),
      new Promise<void>(resolve => this.back.close(() => resolve())),
    ]);
  }

  private accept(client: net.Socket) {
    const flow: Flow = { client };
    this.flows.add(flow);
    client.on('error', () => undefined);
    client.on('close', () => {
      flow.upstream?.destroy();
      this.flows.delete(flow);
    });
    if (this.mode !== 'pass') {
      client.on('data', () => undefined);
      return;
    }
    const upstream = net.connect(this.backPort, LOOPBACK);
    flow.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      if (flow.upstream === upstream) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private serve(req: IncomingMessage, res: ServerResponse) {
    const request = parse(req);
    this.requests.push(request);
    const rule = this.rules.find(r => r.match(request));
    if (request.watch) this.track(res, request);
    switch (rule?.action.kind) {
      case undefined:
        this.handler(req, res);
        return;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'answer': {
        const { status, body } = rule.action as {
          status: number;
          body: unknown;
        };
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        return;
      }
      case 'delay':
        setTimeout(
          () => this.handler(req, res),
          (rule.action as { ms: number }).ms,
        );
        return;
      case 'expire-watch': {
        // What an API server answers a watch from a compacted resourceVersion.
        const rv = request.query.get('resourceVersion') || '0';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          `${JSON.stringify({
            type: 'ERROR',
            object: {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Failure',
              message: `too old resource version: ${rv} (${Number(rv) + 1})`,
              reason: 'Expired',
              code: 410,
            },
          })}\n`,
        );
        return;
      }
      default:
        throw new Error('unknown fault');
    }
  }

  /** Lets a watch answer be silenced later: writes pass until then. */
  private track(res: ServerResponse, request: ProxiedRequest) {
    this.openWatches.set(res, request);
    res.on('close', () => this.openWatches.delete(res));
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as any).write = (...args: unknown[]) =>
      this.silenced.has(res) ? true : write(...args);
    (res as any).end = (...args: unknown[]) =>
      this.silenced.has(res) ? res : end(...args);
  }
}

async function listen(
  server: net.Server | https.Server,
  port: number,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
