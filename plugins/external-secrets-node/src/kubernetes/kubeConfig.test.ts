import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeConfig } from './kubeConfig';

function kubeconfigFile(server: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'dev', cluster: { server } }],
      users: [{ name: 'dev', user: { token: 'a-bearer-token' } }],
      contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev' } }],
      'current-context': 'dev',
    }),
  );
  return path;
}

describe('createKubeConfig', () => {
  it('refuses a plain-HTTP API server from a kubeconfig unless allowed', () => {
    const kubeconfigPath = kubeconfigFile('http://127.0.0.1:8001');
    const cluster = {
      name: 'dev',
      authProvider: 'kubeconfig' as const,
      kubeconfigPath,
      skipTLSVerify: false,
    };
    expect(() => createKubeConfig(cluster)).toThrow(
      /plain http:\/\/.*allowInsecureHttp/,
    );
    expect(
      createKubeConfig({
        ...cluster,
        allowInsecureHttp: true,
      }).getCurrentCluster()?.server,
    ).toBe('http://127.0.0.1:8001');
    expect(
      createKubeConfig({
        ...cluster,
        kubeconfigPath: kubeconfigFile('https://127.0.0.1:6443'),
      }).getCurrentCluster()?.server,
    ).toBe('https://127.0.0.1:6443');
  });

  it('refuses a plain-HTTP url with a service account token unless allowed', () => {
    const cluster = {
      name: 'dev',
      authProvider: 'serviceAccount' as const,
      url: 'http://127.0.0.1:8001',
      serviceAccountToken: 't',
      skipTLSVerify: false,
    };
    expect(() => createKubeConfig(cluster)).toThrow(/plain http:\/\//);
    expect(() =>
      createKubeConfig({ ...cluster, allowInsecureHttp: true }),
    ).not.toThrow();
  });
});
