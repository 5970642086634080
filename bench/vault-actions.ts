/**
 * Benchmark (not a test): Vault round trips and time for creating one service's Vault side
 * with the three scaffolder actions (policy, Kubernetes-auth role, KV seed) against the Vault
 * emulator served over loopback HTTP with 20 ms of injected latency per request. The backend
 * logs in with Kubernetes auth, as in a cluster, so the login is part of the count.
 *
 * Usage, from the repository root:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/vault-actions.ts [--runs N] [--json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigReader } from '@backstage/config';
import {
  VaultEmulator,
  createServiceAccountJwt,
  createVaultRequestListener,
} from 'sandbox';
import {
  createVaultClientProvider,
  createVaultKubernetesRoleCreateAction,
  createVaultKvSeedAction,
  createVaultPolicyCreateAction,
  readVaultActionSettings,
} from '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets';

const LATENCY_MS = 20;
const TARGET_ROUND_TRIPS = 7;
const TARGET_TOTAL_MS = 250;

const BACKEND_POLICY = `
path "sys/policies/acl/*" { capabilities = ["read", "update"] }
path "auth/kubernetes/role/*" { capabilities = ["create", "read", "update"] }
path "secret/data/*" { capabilities = ["create"] }
path "secret/metadata/*" { capabilities = ["read"] }
`;

/** A logger that keeps nothing: the benchmark measures Vault, not log output. */
const silentLogger: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

interface Measurement {
  action: string;
  roundTrips: number;
  ms: number;
}

async function runOnce(): Promise<Measurement[]> {
  const emulator = new VaultEmulator();
  emulator.putPolicy('backstage-backend', BACKEND_POLICY);
  const root = { 'x-vault-token': emulator.rootToken };
  await emulator.handle({
    method: 'POST',
    path: '/v1/auth/kubernetes/config',
    headers: root,
    body: JSON.stringify({
      kubernetes_host: 'https://kubernetes.bench.invalid',
    }),
  });
  await emulator.handle({
    method: 'POST',
    path: '/v1/auth/kubernetes/role/backstage',
    headers: root,
    body: JSON.stringify({
      bound_service_account_names: 'backstage',
      bound_service_account_namespaces: 'backstage',
      token_policies: 'backstage-backend',
      token_ttl: '1h',
    }),
  });
  emulator.clearRequests();

  const dir = mkdtempSync(join(tmpdir(), 'vault-bench-'));
  const tokenPath = join(dir, 'token');
  writeFileSync(
    tokenPath,
    createServiceAccountJwt({ namespace: 'backstage', name: 'backstage' }),
  );
  const server = createServer(createVaultRequestListener(emulator));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const config = new ConfigReader({
      externalSecrets: {
        vault: {
          baseUrl: `http://127.0.0.1:${port}`,
          allowInsecureHttp: true,
          auth: { type: 'kubernetes', role: 'backstage', tokenPath },
        },
      },
    });
    const vault = createVaultClientProvider(config, silentLogger);
    const settings = readVaultActionSettings(config);
    const steps = [
      {
        action: createVaultPolicyCreateAction({ vault, settings }),
        input: { name: 'example-api' },
      },
      {
        action: createVaultKubernetesRoleCreateAction({ vault, settings }),
        input: { name: 'example-api' },
      },
      {
        action: createVaultKvSeedAction({ vault, settings }),
        input: {
          path: 'example-api/env-file',
          properties: [{ property: 'dotenv', secret: 'envFile' }],
        },
      },
    ];

    emulator.faults.setLatency(LATENCY_MS);
    const measurements: Measurement[] = [];
    for (const step of steps) {
      const before = emulator.requests.length;
      const started = performance.now();
      const outputs: Record<string, unknown> = {};
      await step.action.handler({
        input: step.input,
        secrets: { envFile: 'BENCH=1' },
        logger: silentLogger,
        workspacePath: dir,
        output: (name: string, value: unknown) => {
          outputs[name] = value;
        },
        checkpoint: async ({ fn }: { fn: () => Promise<any> }) => fn(),
        createTemporaryDirectory: async () => dir,
        getInitiatorCredentials: async () => ({} as any),
        task: { id: 'bench' },
        isDryRun: false,
      } as any);
      if (outputs.result !== 'created') {
        throw new Error(`${step.action.id} answered ${String(outputs.result)}`);
      }
      measurements.push({
        action: step.action.id,
        roundTrips: emulator.requests.length - before,
        ms: performance.now() - started,
      });
    }
    return measurements;
  } finally {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const args = process.argv.slice(2);
  const runsArg = args.indexOf('--runs');
  const runs = Math.min(
    50,
    Math.max(1, runsArg >= 0 ? Number(args[runsArg + 1]) || 5 : 5),
  );
  const all: Measurement[][] = [];
  for (let i = 0; i < runs; i++) {
    all.push(await runOnce());
  }
  const actions = all[0].map((m, i) => ({
    action: m.action,
    roundTrips: m.roundTrips,
    medianMs: Math.round(median(all.map(run => run[i].ms))),
  }));
  const roundTrips = actions.reduce((sum, a) => sum + a.roundTrips, 0);
  const totalMs = Math.round(
    median(all.map(run => run.reduce((sum, m) => sum + m.ms, 0))),
  );
  const result = {
    latencyMs: LATENCY_MS,
    runs,
    actions,
    roundTrips,
    totalMs,
    targets: {
      roundTrips: {
        target: TARGET_ROUND_TRIPS,
        met: roundTrips <= TARGET_ROUND_TRIPS,
      },
      totalMs: { target: TARGET_TOTAL_MS, met: totalMs < TARGET_TOTAL_MS },
    },
  };
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `Vault actions, ${LATENCY_MS} ms latency per request, median of ${runs} runs\n`,
  );
  for (const a of actions) {
    process.stdout.write(
      `  ${a.action.padEnd(30)} ${String(a.roundTrips).padStart(
        2,
      )} round trips  ${String(a.medianMs).padStart(4)} ms\n`,
    );
  }
  process.stdout.write(
    `  ${'total'.padEnd(30)} ${String(roundTrips).padStart(
      2,
    )} round trips  ${String(totalMs).padStart(4)} ms` +
      `  (targets: <= ${TARGET_ROUND_TRIPS} round trips ${
        result.targets.roundTrips.met ? 'met' : 'MISSED'
      }, < ${TARGET_TOTAL_MS} ms ${
        result.targets.totalMs.met ? 'met' : 'MISSED'
      })\n`,
  );
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
