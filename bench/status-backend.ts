/**
 * Benchmark (not a test): the external-secrets status backend under load, side by side with a
 * baseline that LISTs per request the way Backstage's Kubernetes plugin does.
 *
 * 2,000 catalog components annotated `backstage.io/kubernetes-id`, their ExternalSecrets spread
 * over 3 Kubernetes API emulators (`packages/sandbox`) served over HTTPS on loopback, every
 * response and every watch event delayed by 20 ms. The real backend plugin, with its real
 * ClusterCache, runs in a backend of the test backend's mock services (mock auth), a Map-backed
 * catalog, a signals mock and the production root HTTP router; requests go over real HTTP with
 * 32 in flight. See bench/README.md for what is measured and how.
 *
 * Each emulated cluster runs in its own process (like a remote API server), the backend in
 * another, so that its RSS and CPU are its own; this process orchestrates and generates the load.
 *
 * Usage, from the repository root:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/status-backend.ts
 *     [--sizes 1000,10000,50000] [--clusters 3] [--latency 20] [--json]
 *     [--no-vault-faults | --vault-faults-only] [--vault-faults-seconds 10]
 * After the sizes it times the fleet API at each size (issue 17) and, in this process, the status
 * with Vault healthy, black-holed and answering in 2 s (issue 12, `status-vault-faults.ts`).
 * With BENCH_PROFILE=DIR in the environment, the backend process writes a CPU profile to DIR.
 *
 * This file is the entry point of every process of the bench; `--role` picks what it runs, one
 * module per role in `status-backend/`:
 *   (no --role)       driver.ts: options, orchestration, load (load.ts), report (report.ts)
 *   --role emulator   emulator.ts: one emulated cluster
 *   --role backend    backend.ts: the backend with the plugin and the baseline (baseline.ts)
 * What several roles share: ipc.ts (the calls between the processes, their payloads) and
 * shared.ts (the data set's layout and names, measurement and HTTP helpers).
 *
 * Every process loads all the role modules, as when they were one file, so that the backend's
 * RSS figures stay comparable with earlier runs.
 */
import { runBackend } from './status-backend/backend';
import { main } from './status-backend/driver';
import { runEmulator } from './status-backend/emulator';
import { argument } from './status-backend/shared';

const role = argument(process.argv.slice(2), '--role');
if (role === 'emulator') {
  runEmulator();
} else if (role === 'backend') {
  runBackend();
} else {
  main().catch(error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
