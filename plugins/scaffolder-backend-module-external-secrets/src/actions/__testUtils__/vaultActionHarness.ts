import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  ActionContext,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { SetupServer } from 'msw/node';
import { VaultEmulator, VaultEmulatorOptions, vaultHandlers } from 'sandbox';
import {
  createVaultClientProvider,
  readVaultActionSettings,
} from '../vaultActionSettings';
import { createVaultKubernetesRoleCreateAction } from '../vaultKubernetesRoleCreate';
import { createVaultKvSeedAction } from '../vaultKvSeed';
import { createVaultPolicyCreateAction } from '../vaultPolicyCreate';

export const VAULT_URL = 'https://vault.actions.test:8200';

/** What the backend's own token needs for the three actions, and nothing more. */
export const BACKEND_POLICY = `
path "sys/policies/acl/*" { capabilities = ["read", "update"] }
path "auth/kubernetes/role/*" { capabilities = ["create", "read", "update"] }
path "auth/kubernetes/config" { capabilities = ["read"] }
path "secret/data/*" { capabilities = ["create"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
path "kv/*" { capabilities = ["create", "list"] }
`;

export interface RunOptions {
  dryRun?: boolean;
  secrets?: Record<string, string>;
  /** Checkpoints a previous attempt of the task stored; a stored key is not run again. */
  checkpoints?: Map<string, unknown>;
  /** Receives the key of every checkpoint the run reaches, in order. */
  checkpointKeys?: string[];
}

/**
 * Runs one action as the scaffolder does: a mock context with the given input and secrets, the
 * dry-run flag, and checkpoints kept in `checkpoints` (a stored key is not run again). Returns
 * the outputs and the step's logger.
 */
export async function runAction(
  action: TemplateAction<any, any, any>,
  input: Record<string, unknown>,
  runOptions: RunOptions = {},
) {
  const logger = mockServices.logger.mock();
  const ctx = {
    ...createMockActionContext({
      // Hostile tests pass values no schema would let through; the handler must cope.
      input: input as ActionContext<any>['input'],
      logger,
      secrets: runOptions.secrets,
    }),
    isDryRun: runOptions.dryRun ?? false,
    checkpoint: (async ({ key, fn }: { key: string; fn: () => unknown }) => {
      runOptions.checkpointKeys?.push(key);
      const stored = runOptions.checkpoints;
      if (stored?.has(key)) {
        return stored.get(key);
      }
      const value = await fn();
      stored?.set(key, value);
      return value;
    }) as ActionContext<any>['checkpoint'],
  };
  await action.handler(ctx);
  const outputs = Object.fromEntries(
    (ctx.output as jest.Mock).mock.calls.map(([name, value]) => [name, value]),
  );
  return { outputs, logger };
}

/**
 * The three Vault actions wired to a fresh Vault emulator through msw, with a token that has
 * exactly {@link BACKEND_POLICY}.
 */
export function vaultActionHarness(
  server: SetupServer,
  options: {
    emulator?: VaultEmulatorOptions;
    vaultConfig?: Record<string, unknown>;
    backendPolicy?: string;
    /** `externalSecrets.clusters`, for steps that name a `cluster`. */
    clusters?: Array<Record<string, string | boolean>>;
  } = {},
) {
  const emulator = new VaultEmulator(options.emulator);
  emulator.putPolicy(
    'backstage-backend',
    options.backendPolicy ?? BACKEND_POLICY,
  );
  const token = emulator.createToken({ policies: ['backstage-backend'] });
  server.use(...vaultHandlers(emulator, VAULT_URL));
  const config = new ConfigReader({
    externalSecrets: {
      vault: {
        baseUrl: VAULT_URL,
        retryBaseDelayMs: 1,
        auth: { type: 'token', token },
        ...(options.vaultConfig as object),
      },
      ...(options.clusters ? { clusters: options.clusters } : {}),
    },
  });
  const serviceLogger = mockServices.logger.mock();
  const vault = createVaultClientProvider(config, serviceLogger);
  const settings = readVaultActionSettings(config);
  const actions = {
    policy: createVaultPolicyCreateAction({ vault, settings }),
    role: createVaultKubernetesRoleCreateAction({ vault, settings }),
    seed: createVaultKvSeedAction({ vault, settings }),
  };

  const run = (
    action: TemplateAction<any, any, any>,
    input: Record<string, unknown>,
    runOptions: RunOptions = {},
  ) => runAction(action, input, runOptions);

  const writes = () =>
    emulator.requests.filter(
      r => r.operation === 'write' && !r.path.endsWith('/login'),
    );

  return { emulator, token, actions, run, writes, serviceLogger, config };
}

/** Every text a logger mock received. */
export function loggedText(
  logger: ReturnType<typeof mockServices.logger.mock>,
): string {
  return [logger.debug, logger.info, logger.warn, logger.error]
    .flatMap(fn => (fn as jest.Mock).mock.calls)
    .map(call => JSON.stringify(call))
    .join('\n');
}

/**
 * Calls the emulated Vault the way ESO or an operator would, over msw; resolves to the
 * status and parsed body.
 */
export async function vaultCall(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${VAULT_URL}/v1/${path}`, {
    method,
    headers: options.token ? { 'X-Vault-Token': options.token } : {},
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
