import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { KubernetesEmulator } from './KubernetesEmulator';
import { createKubernetesRequestListener } from './requestListener';

const TOKEN = 'listener-test-token';

async function serve(emulator: KubernetesEmulator) {
  const server = createServer(createKubernetesRequestListener(emulator));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('createKubernetesRequestListener', () => {
  it('serves JSON requests and streams watches over a real socket', async () => {
    const emulator = new KubernetesEmulator({
      url: 'http://127.0.0.1',
      tokens: [TOKEN],
    });
    const { base, close } = await serve(emulator);
    try {
      const headers = {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
      };
      const unauthorized = await fetch(`${base}/api/v1/namespaces`);
      expect(unauthorized.status).toBe(401);

      const created = await fetch(
        `${base}/api/v1/namespaces/default/configmaps`,
        {
          method: 'POST',
          headers,
          body: JSON.stringify({ metadata: { name: 'cm' }, data: { a: '1' } }),
        },
      );
      expect(created.status).toBe(201);
      const { metadata } = await created.json();

      const watch = await fetch(
        `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${metadata.resourceVersion}`,
        { headers },
      );
      expect(watch.status).toBe(200);
      const reader = watch.body!.getReader();
      await fetch(`${base}/api/v1/namespaces/default/configmaps/cm`, {
        method: 'DELETE',
        headers,
      });
      const { value } = await reader.read();
      const event = JSON.parse(new TextDecoder().decode(value).trim());
      expect(event).toMatchObject({
        type: 'DELETED',
        object: { metadata: { name: 'cm' } },
      });
      expect(emulator.openWatchCount).toBe(1);
      await reader.cancel();
      for (let i = 0; i < 50 && emulator.openWatchCount > 0; i++) {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      expect(emulator.openWatchCount).toBe(0);
    } finally {
      emulator.close();
      await close();
    }
  });

  it('drops the connection while the cluster is down', async () => {
    const emulator = new KubernetesEmulator({
      url: 'http://127.0.0.1',
      tokens: [TOKEN],
    });
    const { base, close } = await serve(emulator);
    try {
      emulator.faults.setClusterDown(true);
      await expect(
        fetch(`${base}/api/v1/namespaces`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        }),
      ).rejects.toThrow();
    } finally {
      emulator.close();
      await close();
    }
  });
});
