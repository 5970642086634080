import { createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { KubernetesEmulator } from './KubernetesEmulator';
import { createKubernetesRequestListener } from './requestListener';
import { createTestServerTls } from './__testUtils__/testTls';

jest.setTimeout(30_000);

const TOKEN = 'https-test-token';

function kubeConfig(server: string, caPem: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'sandbox',
        server,
        caData: Buffer.from(caPem).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'tester', token: TOKEN }],
    contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'tester' }],
    currentContext: 'sandbox',
  });
  return kc;
}

describe('the Kubernetes emulator over HTTPS with @kubernetes/client-node', () => {
  it('serves lists and watches to a client that trusts the cluster CA, and refuses one that does not', async () => {
    const tls = createTestServerTls();
    const other = createTestServerTls();
    const emulator = new KubernetesEmulator({
      url: 'https://127.0.0.1',
      caCertPem: tls.caPem,
      tokens: [TOKEN],
    });
    const server = createServer(
      { key: tls.keyPem, cert: tls.certPem },
      createKubernetesRequestListener(emulator),
    );
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const kc = kubeConfig(url, tls.caPem);
      const core = kc.makeApiClient(CoreV1Api);
      const list = await core.listNamespace();
      expect(list.items.map(n => n.metadata?.name)).toContain('default');

      const seen = new Promise<string>((resolve, reject) => {
        new Watch(kc)
          .watch(
            '/api/v1/namespaces',
            { resourceVersion: list.metadata!.resourceVersion! },
            (type, object) => resolve(`${type} ${object.metadata.name}`),
            err => (err ? reject(err) : undefined),
          )
          .then(controller => {
            core
              .createNamespace({ body: { metadata: { name: 'over-tls' } } })
              .then(() => undefined, reject);
            seen.finally(() => controller.abort());
          }, reject);
      });
      await expect(seen).resolves.toBe('ADDED over-tls');

      const untrusting = kubeConfig(url, other.caPem).makeApiClient(CoreV1Api);
      await expect(untrusting.listNamespace()).rejects.toThrow(
        /self-signed|unable to verify|certificate/i,
      );
    } finally {
      emulator.close();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  });
});
