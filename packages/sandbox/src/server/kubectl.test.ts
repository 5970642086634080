import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Sandbox } from './Sandbox';

/**
 * The sandbox cluster driven by the real kubectl, as a user does after `scripts/start.sh`:
 * the seed's Validate commands, apply (client side), watch, explain. When kubectl and the
 * emulator disagree, the emulator is wrong.
 */

const run = promisify(execFile);

function findKubectl(): string | undefined {
  const candidates = [
    process.env.KUBECTL,
    '/usr/bin/kubectl',
    '/usr/local/bin/kubectl',
  ].filter((c): c is string => !!c);
  return candidates.find(c => fs.existsSync(c));
}

const KUBECTL = findKubectl();
if (!KUBECTL) {
  // eslint-disable-next-line no-console
  console.warn(
    'Skipping the kubectl tests: no kubectl binary (set KUBECTL or install kubectl 1.33 at /usr/bin/kubectl)',
  );
}
const describeWithKubectl = KUBECTL ? describe : describe.skip;

// Key generation, TLS and kubectl's first OpenAPI download are slow on the shared machine.
jest.setTimeout(180_000);

describeWithKubectl('kubectl against the sandbox', () => {
  let sandbox: Sandbox;
  let outputDir: string;
  let cacheDir: string;

  const kubectl = async (...args: string[]) => {
    try {
      const { stdout } = await run(
        KUBECTL!,
        ['--cache-dir', cacheDir, '--request-timeout=20s', ...args],
        {
          env: { ...process.env, KUBECONFIG: sandbox.info.files.kubeconfig },
          timeout: 60_000,
        },
      );
      return { code: 0, stdout, stderr: '' };
    } catch (error) {
      const failed = error as {
        code?: number;
        stdout?: string;
        stderr?: string;
      };
      return {
        code: failed.code ?? 1,
        stdout: failed.stdout ?? '',
        stderr: failed.stderr ?? '',
      };
    }
  };
  const ok = async (...args: string[]) => {
    const result = await kubectl(...args);
    expect({ args, stderr: result.stderr, code: result.code }).toEqual({
      args,
      stderr: '',
      code: 0,
    });
    return result.stdout;
  };
  const header = (stdout: string) => stdout.split('\n')[0].split(/\s{2,}/);
  const file = (name: string, content: string) => {
    const target = path.join(outputDir, name);
    fs.writeFileSync(target, content);
    return target;
  };

  beforeAll(async () => {
    outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-kubectl-'));
    cacheDir = path.join(outputDir, 'kube-cache');
    sandbox = await Sandbox.start({
      outputDir,
      ports: { vault: 0, kubernetes: 0, github: 0, admin: 0 },
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    fs.rmSync(outputDir, { recursive: true, force: true });
  });

  it('uses the kubeconfig the sandbox wrote, with an admin and a backend context', async () => {
    expect(fs.statSync(sandbox.info.files.kubeconfig).mode & 0o077).toBe(0);
    expect(
      (await ok('config', 'get-contexts', '-o', 'name')).trim().split('\n'),
    ).toEqual([
      'edge-admin',
      'edge-backend',
      'lab-admin',
      'lab-backend',
      'sandbox-admin',
      'sandbox-backend',
    ]);
    expect((await ok('config', 'current-context')).trim()).toBe(
      'sandbox-admin',
    );
    expect(await ok('get', '--raw', '/readyz')).toBe('ok');
  });

  it("answers the seed's Validate commands with ESO's columns", async () => {
    const stores = await ok('get', 'clustersecretstore');
    expect(header(stores)).toEqual([
      'NAME',
      'AGE',
      'STATUS',
      'CAPABILITIES',
      'READY',
    ]);
    expect(stores).toMatch(
      /vault-example-api\s+\S+\s+Valid\s+ReadWrite\s+True/,
    );

    const externalSecrets = await ok(
      '-n',
      'example-api',
      'get',
      'externalsecret',
    );
    expect(header(externalSecrets)).toEqual([
      'NAME',
      'STORETYPE',
      'STORE',
      'REFRESH INTERVAL',
      'STATUS',
      'READY',
      'LAST SYNC',
    ]);
    expect(externalSecrets).toMatch(
      /example-api-env-file\s+ClusterSecretStore\s+vault-example-api\s+\S+\s+SecretSynced\s+True/,
    );

    const described = await ok(
      '-n',
      'example-api',
      'describe',
      'externalsecret',
      'example-api-env-file',
    );
    expect(described).toContain('Events:');
    // ESO records Created ("secret created") when it first writes the target Secret.
    expect(described).toMatch(/Normal\s+Created\s.*secret created/);

    const secret = await ok(
      '-n',
      'example-api',
      'get',
      'secret',
      'example-api-env-file',
    );
    expect(header(secret)).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(secret).toMatch(/example-api-env-file\s+Opaque\s+1\s/);
  });

  it('applies manifests client-side, and rejects unknown fields', async () => {
    const manifest = (interval: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: kubectl-settings
  namespace: example-api
data:
  interval: "${interval}"
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: kubectl-applied
  namespace: example-api
spec:
  refreshInterval: ${interval}
  secretStoreRef: { kind: ClusterSecretStore, name: vault-example-api }
  target: { name: kubectl-applied }
  data:
    - secretKey: .env
      remoteRef: { key: example-api/env-file, property: dotenv }
`;
    expect(await ok('apply', '-f', file('one.yaml', manifest('1h')))).toBe(
      'configmap/kubectl-settings created\nexternalsecret.external-secrets.io/kubectl-applied created\n',
    );
    expect(await ok('apply', '-f', file('one.yaml', manifest('1h')))).toBe(
      'configmap/kubectl-settings unchanged\nexternalsecret.external-secrets.io/kubectl-applied unchanged\n',
    );
    expect(await ok('apply', '-f', file('two.yaml', manifest('2h')))).toBe(
      'configmap/kubectl-settings configured\nexternalsecret.external-secrets.io/kubectl-applied configured\n',
    );
    expect(
      await ok(
        '-n',
        'example-api',
        'get',
        'externalsecret',
        'kubectl-applied',
        '-o',
        'jsonpath={.spec.refreshInterval}',
      ),
    ).toBe('2h');

    const typo = await kubectl(
      'apply',
      '-f',
      file(
        'typo.yaml',
        manifest('3h').replace('refreshInterval', 'refreshIntervl'),
      ),
    );
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain(
      'strict decoding error: unknown field "spec.refreshIntervl"',
    );

    const created = await kubectl(
      'create',
      '-f',
      file(
        'three.yaml',
        manifest('1h').replace(/kubectl-/g, 'kubectl-created-'),
      ),
    );
    expect(created.stdout).toContain(
      'externalsecret.external-secrets.io/kubectl-created-applied created',
    );
  });

  it('applies server-side, with field ownership and conflicts', async () => {
    const manifest = (value: string) =>
      file(
        'ssa.yaml',
        `apiVersion: v1
kind: ConfigMap
metadata:
  name: kubectl-ssa
  namespace: example-api
data:
  owner: "${value}"
`,
      );
    expect(await ok('apply', '--server-side', '-f', manifest('kubectl'))).toBe(
      'configmap/kubectl-ssa serverside-applied\n',
    );
    const conflict = await kubectl(
      'apply',
      '--server-side',
      '--field-manager=deployer',
      '-f',
      manifest('deployer'),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.owner',
    );
    expect(
      await ok(
        'apply',
        '--server-side',
        '--field-manager=deployer',
        '--force-conflicts',
        '-f',
        manifest('deployer'),
      ),
    ).toBe('configmap/kubectl-ssa serverside-applied\n');
    expect(
      await ok(
        '-n',
        'example-api',
        'get',
        'configmap',
        'kubectl-ssa',
        '-o',
        'jsonpath={.data.owner} {.metadata.managedFields[*].manager}',
      ),
    ).toBe('deployer deployer');
  });

  it('annotates, and a bounded watch prints the change as a table row', async () => {
    const watcher = spawn(
      KUBECTL!,
      [
        '--cache-dir',
        cacheDir,
        '-n',
        'example-api',
        'get',
        'externalsecret',
        'example-api-env-file',
        '--watch',
        '--output-watch-events',
      ],
      {
        env: { ...process.env, KUBECONFIG: sandbox.info.files.kubeconfig },
      },
    );
    let output = '';
    const lines = () => output.split('\n').filter(Boolean);
    watcher.stdout.on('data', chunk => {
      output += chunk;
    });
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 30_000;
      while (lines().length < count && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100));
      }
    };
    try {
      await waitFor(2);
      expect(
        await ok(
          '-n',
          'example-api',
          'annotate',
          'externalsecret',
          'example-api-env-file',
          'kubectl-test/touched=yes',
        ),
      ).toContain('annotated');
      await waitFor(3);
    } finally {
      watcher.kill('SIGTERM');
    }
    expect(lines()[0]).toMatch(/^EVENT\s+NAME\s+STORETYPE\s+STORE/);
    expect(lines()[1]).toMatch(
      /^ADDED\s+example-api-env-file\s+ClusterSecretStore/,
    );
    expect(lines()[2]).toMatch(
      /^MODIFIED\s+example-api-env-file\s+ClusterSecretStore/,
    );
  });

  it('shows the seeded Deployments, and rollout restart rolls new Pods that rollout status waits for', async () => {
    const deployments = await ok('-n', 'example-api', 'get', 'deploy');
    expect(header(deployments)).toEqual([
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
    ]);
    expect(deployments).toMatch(/^example-api\s+1\/1\s+1\s+1\s+/m);
    expect(
      await ok(
        '-n',
        'example-api',
        'rollout',
        'status',
        'deployment/example-api',
        '--timeout=30s',
      ),
    ).toContain('deployment "example-api" successfully rolled out');
    const podNames = async () =>
      (
        await ok(
          '-n',
          'example-api',
          'get',
          'pods',
          '-l',
          'app.kubernetes.io/name=example-api',
          '-o',
          'name',
        )
      )
        .trim()
        .split('\n');
    const before = await podNames();
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/^pod\/example-api-[a-z0-9]+-[a-z0-9]{5}$/);

    expect(
      await ok(
        '-n',
        'example-api',
        'rollout',
        'restart',
        'deployment/example-api',
      ),
    ).toBe('deployment.apps/example-api restarted\n');
    expect(
      await ok(
        '-n',
        'example-api',
        'rollout',
        'status',
        'deployment/example-api',
        '--timeout=30s',
      ),
    ).toContain('deployment "example-api" successfully rolled out');
    const restartedAt = await ok(
      '-n',
      'example-api',
      'get',
      'deploy',
      'example-api',
      '-o',
      'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}',
    );
    expect(Number.isNaN(Date.parse(restartedAt))).toBe(false);
    const replicaSets = await ok('-n', 'example-api', 'get', 'rs');
    expect(header(replicaSets)).toEqual([
      'NAME',
      'DESIRED',
      'CURRENT',
      'READY',
      'AGE',
    ]);
    expect(replicaSets.trim().split('\n')).toHaveLength(3);
    const after = await podNames();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    expect(header(await ok('-n', 'example-api', 'get', 'pods'))).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
    ]);
    expect(
      await ok(
        '-n',
        'example-api',
        'rollout',
        'history',
        'deployment/example-api',
      ),
    ).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  });

  it('answers auth can-i for the admin and the backend contexts from RBAC', async () => {
    const canI = async (context: string, ...args: string[]) => {
      const result = await kubectl(
        '--context',
        context,
        'auth',
        'can-i',
        ...args,
      );
      // can-i exits 1 for "no": only its answer line matters, any error text is a failure
      expect({ args, stderr: result.stderr }).toEqual({ args, stderr: '' });
      return result.stdout.trim();
    };
    expect(await canI('sandbox-admin', 'delete', 'secrets', '-A')).toBe('yes');
    expect(await canI('sandbox-backend', 'get', 'secrets')).toBe('no');
    expect(
      await canI('sandbox-backend', 'list', 'secrets', '-n', 'example-api'),
    ).toBe('no');
    expect(await canI('sandbox-backend', 'patch', 'externalsecrets')).toBe(
      'yes',
    );
    expect(
      await canI(
        'sandbox-backend',
        'watch',
        'clustersecretstores.external-secrets.io',
      ),
    ).toBe('yes');
    expect(await canI('sandbox-backend', 'delete', 'externalsecrets')).toBe(
      'no',
    );
    expect(
      await canI(
        'sandbox-backend',
        'create',
        'serviceaccounts',
        '--subresource=token',
        '-n',
        'external-secrets',
      ),
    ).toBe('no');
    // consumers: Pods are listed and watched, never read one by one or changed
    expect(await canI('sandbox-backend', 'watch', 'pods', '-A')).toBe('yes');
    expect(
      await canI('sandbox-backend', 'get', 'pods', '-n', 'example-api'),
    ).toBe('no');
    expect(await canI('sandbox-backend', 'get', '/version')).toBe('yes');
    expect(await canI('sandbox-backend', 'get', '/metrics')).toBe('no');

    const list = await ok(
      '--context',
      'sandbox-backend',
      'auth',
      'can-i',
      '--list',
      '-n',
      'example-api',
    );
    expect(header(list)).toEqual([
      'Resources',
      'Non-Resource URLs',
      'Resource Names',
      'Verbs',
    ]);
    expect(list).toMatch(
      /externalsecrets\.external-secrets\.io\s+\[\]\s+\[\]\s+\[list watch patch\]/,
    );
    expect(list).not.toMatch(/^secrets\s/m);
    const adminList = await ok('auth', 'can-i', '--list');
    expect(adminList).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/m);
  });

  it('explains ESO and built-in kinds from the OpenAPI documents', async () => {
    const target = await ok('explain', 'externalsecret.spec.target');
    expect(target).toContain('GROUP:      external-secrets.io');
    expect(target).toContain('KIND:       ExternalSecret');
    expect(target).toMatch(
      /creationPolicy\s+<string>\n\s+enum: Owner, Orphan, Merge, None/,
    );
    const secret = await ok('explain', 'secret.data');
    expect(secret).toContain('FIELD: data <map[string]string>');
  });
});
