import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { KubernetesEmulator } from './KubernetesEmulator';
import { createKubernetesRequestListener } from './requestListener';

const TOKEN = 'health-test-token';

describe('health endpoints', () => {
  const emulator = new KubernetesEmulator({
    url: 'http://127.0.0.1',
    tokens: [TOKEN],
  });
  const server = createServer(createKubernetesRequestListener(emulator));
  let base = '';
  beforeAll(async () => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
  });

  it.each(['/healthz', '/livez', '/readyz'])(
    '%s answers ok in plain text to anyone',
    async pathname => {
      const response = await fetch(`${base}${pathname}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        'text/plain; charset=utf-8',
      );
      expect(await response.text()).toBe('ok');
    },
  );

  it('lists each check with ?verbose and honours ?exclude', async () => {
    const response = await fetch(
      `${base}/readyz?verbose&exclude=etcd&exclude=nothing`,
    );
    const lines = (await response.text()).trim().split('\n');
    expect(lines[0]).toBe('[+]ping ok');
    expect(lines).toContain('[+]etcd excluded: ok');
    expect(lines).toContain('[+]shutdown ok');
    expect(lines).toContain(
      'warn: some health checks cannot be excluded: no matches for "nothing"',
    );
    expect(lines.at(-1)).toBe('readyz check passed');
  });

  it('answers a single check, and 404 for one it does not have', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect(await (await fetch(`${base}/livez/ping`, { headers })).text()).toBe(
      'ok',
    );
    expect((await fetch(`${base}/livez/nonsense`, { headers })).status).toBe(
      404,
    );
    // system:public-info-viewer names the three endpoints only, not their checks
    expect((await fetch(`${base}/livez/ping`)).status).toBe(401);
  });

  it('still rejects a bad token', async () => {
    const good = await fetch(`${base}/healthz`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(good.status).toBe(200);
    const bad = await fetch(`${base}/healthz`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(bad.status).toBe(401);
  });
});
