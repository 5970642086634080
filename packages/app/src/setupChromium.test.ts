/**
 * @jest-environment node
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// scripts/setup.sh's gs_setup_chromium, which scripts/test.sh runs before the browser tests.
// `id` and `apt-get` are stand-ins on PATH that record their calls; the Debian binary's path
// points into a temporary folder.
const SETUP = path.resolve(__dirname, '../../../scripts/setup.sh');

interface Machine {
  uid: number;
  aptFails?: boolean;
  chromiumPresent?: boolean;
  chromiumPath?: string;
}

function run(machine: Machine) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-chromium-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const chromium = path.join(dir, 'usr-bin-chromium');
    const calls = path.join(dir, 'apt-calls');
    fs.writeFileSync(
      path.join(bin, 'id'),
      `#!/bin/sh\n[ "$1" = -u ] && echo ${machine.uid}\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(bin, 'apt-get'),
      [
        '#!/bin/sh',
        `echo "$*" >> '${calls}'`,
        machine.aptFails ? 'exit 100' : '',
        `case "$*" in *install*chromium*) printf '#!/bin/sh\\n' > '${chromium}'; chmod +x '${chromium}';; esac`,
      ].join('\n'),
      { mode: 0o755 },
    );
    if (machine.chromiumPresent) {
      fs.writeFileSync(chromium, '#!/bin/sh\n', { mode: 0o755 });
    }
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: dir,
      GS_DEBIAN_CHROMIUM: chromium,
    };
    if (machine.chromiumPath) {
      env.CHROMIUM_PATH = machine.chromiumPath;
    }
    const result = spawnSync(
      'bash',
      ['-c', `source '${SETUP}' && gs_setup_chromium`],
      { env, encoding: 'utf8', timeout: 20_000 },
    );
    return {
      code: result.status,
      stderr: result.stderr,
      aptCalls: fs.existsSync(calls)
        ? fs.readFileSync(calls, 'utf8').trim().split('\n')
        : [],
      installed: fs.existsSync(chromium),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the test command sets up Chromium for the browser tests', () => {
  it('installs Debian’s chromium with apt-get when it is missing and it runs as root', () => {
    const result = run({ uid: 0 });
    expect(result.aptCalls).toEqual(['update -qq', 'install -y -qq chromium']);
    expect(result.installed).toBe(true);
    expect(result.code).toBe(0);
  });

  it('leaves an installed chromium alone', () => {
    const result = run({ uid: 0, chromiumPresent: true });
    expect(result.aptCalls).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('says what to run when it is not root', () => {
    const result = run({ uid: 1000 });
    expect(result.aptCalls).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('apt-get install -y chromium');
    expect(result.stderr).toContain('CHROMIUM_PATH');
  });

  it('reports a failed apt-get', () => {
    const result = run({ uid: 0, aptFails: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('apt-get could not install chromium');
  });

  it('uses CHROMIUM_PATH as it is and installs nothing', () => {
    expect(run({ uid: 0, chromiumPath: '/bin/sh' })).toMatchObject({
      code: 0,
      aptCalls: [],
    });
    const missing = run({ uid: 0, chromiumPath: '/nonexistent/chromium' });
    expect(missing).toMatchObject({ code: 1, aptCalls: [] });
    expect(missing.stderr).toContain('CHROMIUM_PATH=/nonexistent/chromium');
  });
});
