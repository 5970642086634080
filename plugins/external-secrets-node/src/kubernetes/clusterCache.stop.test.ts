import { mockServices } from '@backstage/backend-test-utils';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubernetesEmulator, createKubernetesRequestListener } from 'sandbox';
import { ClusterCache } from './clusterCache';
import { eventually } from '../testUtils/eventually';

// Over a real socket, stopping the cache aborts its open watches; the client reports each
// abort as an error. That is the stop, not a failure: nothing may be logged or retried.
describe('ClusterCache over HTTP', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const cluster = new KubernetesEmulator({
      url: 'http://127.0.0.1',
      tokens: ['reader-token'],
    });
    server = createServer(createKubernetesRequestListener(cluster));
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  it('logs no failure and makes no request after stop', async () => {
    const logger = mockServices.logger.mock();
    logger.child.mockReturnValue(logger);
    const requests: string[] = [];
    server.on('request', req => requests.push(req.url ?? ''));
    const cache = ClusterCache.create(
      {
        name: 'local',
        url,
        authProvider: 'serviceAccount',
        serviceAccountToken: 'reader-token',
        // plain HTTP on loopback needs it (and it warns once, at creation)
        skipTLSVerify: true,
        allowInsecureHttp: true,
      },
      { logger, backoff: { initialMs: 20, maxMs: 100 } },
    );
    cache.start();
    await eventually(() => expect(cache.health().synced).toBe(true));
    // the watches are open once every list is in
    await new Promise(resolve => setTimeout(resolve, 200));
    const before = requests.length;
    const warningsBefore = logger.warn.mock.calls.length;

    await cache.stop();
    await new Promise(resolve => setTimeout(resolve, 500));

    expect(logger.warn.mock.calls.slice(warningsBefore)).toEqual([]);
    expect(logger.error).not.toHaveBeenCalled();
    expect(requests.length).toBe(before);
  });
});
