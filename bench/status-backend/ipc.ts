/**
 * How the status-backend bench's processes talk: the driver forks each child with
 * `--role emulator` or `--role backend` (the entry point, ../status-backend.ts, picks the role)
 * and calls it over Node's IPC channel; a child answers each call and, for the backend, reports
 * every signal it publishes. The calls' payloads and answers are typed here, for both sides.
 */
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/** The process every child runs: the bench's entry point, which switches on `--role`. */
const ENTRY_POINT = path.resolve(__dirname, '..', 'status-backend.ts');

interface CallMessage {
  id: number;
  call: string;
  payload: unknown;
}

interface ReplyMessage {
  id: number;
  result?: unknown;
  error?: string;
}

export interface SignalMessage {
  event: 'signal';
  entityRef: string;
  at: number;
}

/** `start` of an emulator process: the data set and which of its clusters to serve. */
export interface EmulatorsStart {
  size: number;
  clusters: number;
  /** which of the clusters this process serves */
  cluster: number;
  latencyMs: number;
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface EmulatedCluster {
  name: string;
  url: string;
  externalSecrets: number;
  objects: number;
  buildMs: number;
}

/** `start` of a backend process: the clusters its plugin (and the baseline) talks to. */
export interface BackendStart {
  clusters: Array<{ name: string; url: string }>;
  caPem: string;
}

/** `memory` of a backend process. */
export interface MemoryFigures {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  gcForced: boolean;
}

class Child {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: any) => void; reject: (error: Error) => void }
  >();
  readonly signals: SignalMessage[] = [];

  constructor(private readonly process: ChildProcess, readonly name: string) {
    process.on('message', (message: ReplyMessage | SignalMessage) => {
      if ('event' in message) {
        this.signals.push(message);
        return;
      }
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) {
        waiter?.reject(new Error(`${name}: ${message.error}`));
      } else {
        waiter?.resolve(message.result);
      }
    });
    process.on('exit', code => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`${name} exited with code ${code}`));
      }
      this.pending.clear();
    });
  }

  call<T>(call: string, payload: unknown = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.process.send({ id, call, payload } satisfies CallMessage);
    });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise(resolve => this.process.once('exit', resolve));
    await this.call('stop').catch(() => undefined);
    await exited;
  }
}

export function spawn(role: 'emulator' | 'backend'): Child {
  const child = fork(ENTRY_POINT, ['--role', role], {
    execArgv: [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      '--expose-gc',
      ...(process.env.BENCH_PROFILE && role === 'backend'
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : []),
    ],
    // The children's output goes to stderr, so that --json output stays clean.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  return new Child(child, role);
}

export function serve(handlers: Record<string, (payload: any) => unknown>) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message: CallMessage) => {
    try {
      const handler = handlers[message.call];
      if (!handler) throw new Error(`unknown call ${message.call}`);
      const result = await handler(message.payload);
      process.send!({ id: message.id, result } satisfies ReplyMessage);
      if (message.call === 'stop') {
        setImmediate(() => process.exit(0));
      }
    } catch (error) {
      process.send!({
        id: message.id,
        error: (error as Error).stack ?? String(error),
      } satisfies ReplyMessage);
    }
  });
}
