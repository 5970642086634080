import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SANDBOX_PORTS, Sandbox } from './Sandbox';

const USAGE = `Usage: sandbox [--output-dir DIR] [--state-dir DIR]

Serves on 127.0.0.1: Vault (HTTPS :${DEFAULT_SANDBOX_PORTS.vault}), Kubernetes + ESO (HTTPS :${DEFAULT_SANDBOX_PORTS.kubernetes}),
GitHub (:${DEFAULT_SANDBOX_PORTS.github}) and the admin API (:${DEFAULT_SANDBOX_PORTS.admin}).
  --output-dir  where CA files, generated credentials and ready.json go (default: <repo>/.sandbox)
  --state-dir   keep everything there across restarts: certificates, Git repositories, and in
                state.json Vault, the cluster, pull requests and credentials (default: memory)
`;

function log(line: string) {
  process.stdout.write(`[sandbox] ${line}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      'output-dir': { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const outputDir = values['output-dir'] ?? process.env.SANDBOX_OUTPUT_DIR;
  if (!outputDir) {
    throw new Error(
      'no output directory: pass --output-dir or set SANDBOX_OUTPUT_DIR (bin/sandbox sets it to <repo>/.sandbox)',
    );
  }
  const sandbox = await Sandbox.start({
    outputDir: path.resolve(outputDir),
    stateDir: values['state-dir'],
    log,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log(`${signal}: stopping`);
    sandbox.stop().then(
      () => process.exit(0),
      error => {
        log(`stop failed: ${error}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch(error => {
  process.stderr.write(`[sandbox] failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
