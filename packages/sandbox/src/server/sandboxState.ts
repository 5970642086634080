import fs from 'node:fs/promises';
import path from 'node:path';
import type { GitHubEmulatorState } from '../github';
import type { KubernetesEmulatorState } from '../kubernetes';
import type { VaultEmulatorState } from '../vault';
import { writeSandboxFile } from './sandboxFiles';
import type { KubernetesAuthConfig } from './seedSandbox';

/** The file in the state directory that holds Vault, cluster and GitHub state. */
export const STATE_FILE = 'state.json';

/**
 * Everything a restarted sandbox needs to be the same sandbox: the emulators' states, the
 * credentials the backend was given, the correct Vault auth config (faults are never saved)
 * and the addresses the saved objects point at (rewritten when the ports change).
 */
export interface SandboxState {
  version: 1;
  addresses: { vaultUrl: string; kubernetesUrl: string };
  credentials: { vaultToken: string; kubeToken: string; githubToken: string };
  authConfig: KubernetesAuthConfig;
  vault: VaultEmulatorState;
  cluster: KubernetesEmulatorState;
  github: GitHubEmulatorState;
}

/** A state file that cannot be used: its path, why, and what to do. */
export function stateFileError(file: string, reason: string): Error {
  return new Error(
    `cannot restore the sandbox state from ${file}: ${reason}. Fix the file or remove it to start again from the seed.`,
  );
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The saved state, or undefined when the state directory has none yet. A file that is not a
 * state of this version is an error naming the file: it is never silently seeded over.
 */
export async function readSandboxState(
  stateDir: string,
): Promise<SandboxState | undefined> {
  const file = path.join(stateDir, STATE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw stateFileError(file, (error as Error).message);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw stateFileError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(state)) {
    throw stateFileError(file, 'not a JSON object');
  }
  if (state.version !== 1) {
    throw stateFileError(file, `unsupported version ${state.version}`);
  }
  for (const field of [
    'addresses',
    'credentials',
    'authConfig',
    'vault',
    'cluster',
    'github',
  ]) {
    if (!isObject(state[field])) {
      throw stateFileError(file, `"${field}" is missing`);
    }
  }
  return state as SandboxState;
}

/**
 * Writes the state atomically (temporary file, then rename; owner-only, it holds the emulated
 * Vault's secret values) on demand and, while started, every `intervalMs` when it changed.
 * `collect` answers undefined when the current state must not be saved (a fault is active):
 * the last good state stays on disk.
 */
export class StateSaver {
  private last: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    private readonly collect: () => SandboxState | undefined,
    private readonly log: (line: string) => void,
  ) {}

  get file(): string {
    return path.join(this.stateDir, STATE_FILE);
  }

  start(intervalMs = 2000): void {
    this.timer ??= setInterval(() => {
      this.save().catch(error =>
        this.log(`saving state to ${this.file} failed: ${error}`),
      );
    }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Saves now if the state changed since the last save; true when it is on disk. */
  save(): Promise<boolean> {
    const run = this.chain.then(async () => {
      const state = this.collect();
      if (!state) {
        return false;
      }
      const text = JSON.stringify(state);
      if (text !== this.last) {
        await writeSandboxFile(this.stateDir, STATE_FILE, text, true);
        this.last = text;
      }
      return true;
    });
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
