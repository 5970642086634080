import { mockServices } from '@backstage/backend-test-utils';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubernetesEmulator, createKubernetesRequestListener } from 'sandbox';
import { ClusterCache } from './clusterCache';
import { parseLabelSelector } from './labelSelector';
import { eventually } from '../testUtils/eventually';

const TOKEN = 'reader-token';
// generous: the shared 2-core machine runs other suites beside this one
jest.setTimeout(60_000);
const selector = parseLabelSelector('backstage.io/kubernetes-id=example-api');

// The sandbox's `cluster-down` fault over a real socket: connections are reset and open watches
// break mid-stream ("Premature close"). The cache must keep retrying however long the outage
// lasts, and converge once the fault is cleared.
describe('ClusterCache against a Kubernetes emulator that goes down', () => {
  let server: Server;
  let url: string;
  let cluster: KubernetesEmulator;
  let cache: ClusterCache | undefined;
  const lists: string[] = [];

  beforeAll(async () => {
    cluster = new KubernetesEmulator({
      url: 'http://127.0.0.1',
      tokens: [TOKEN],
    });
    const listener = createKubernetesRequestListener(cluster);
    server = createServer((req, res) => {
      if (!(req.url ?? '').includes('watch=true')) {
        lists.push(req.url ?? '');
      }
      listener(req, res);
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await cluster.objects.create(cluster.type('namespaces'), undefined, {
      metadata: { name: 'example-api' },
    });
  });

  afterEach(async () => {
    await cache?.stop();
    cache = undefined;
    cluster.faults.setClusterDown(false);
  });

  afterAll(async () => {
    cluster.close();
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  function createCache() {
    const logger = mockServices.logger.mock();
    logger.child.mockReturnValue(logger);
    return ClusterCache.create(
      {
        name: 'sandbox',
        url,
        authProvider: 'serviceAccount',
        serviceAccountToken: TOKEN,
        skipTLSVerify: true,
        allowInsecureHttp: true,
      },
      { logger, backoff: { initialMs: 20, maxMs: 80 } },
    );
  }

  const esListCount = () =>
    lists.filter(u =>
      u.startsWith('/apis/external-secrets.io/v1/externalsecrets'),
    ).length;

  it('recovers from cluster-down after many failed retries, with what changed meanwhile', async () => {
    await cluster.objects.create(
      cluster.type('externalsecrets'),
      'example-api',
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: 'before',
          labels: { 'backstage.io/kubernetes-id': 'example-api' },
        },
        spec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-store' },
          data: [{ secretKey: 'a', remoteRef: { key: 'example-api/a' } }],
        },
      },
    );
    cache = createCache();
    cache.start();
    await eventually(() =>
      expect(cache!.health()).toMatchObject({ synced: true, reachable: true }),
    );

    cluster.faults.setClusterDown(true);
    const before = esListCount();
    await eventually(() =>
      expect(esListCount() - before).toBeGreaterThanOrEqual(4),
    );
    expect(cache.health()).toMatchObject({ reachable: false });
    expect(cache.findExternalSecrets(selector)).toHaveLength(1);

    cluster.faults.setClusterDown(false);
    await cluster.objects.create(
      cluster.type('externalsecrets'),
      'example-api',
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: 'after',
          labels: { 'backstage.io/kubernetes-id': 'example-api' },
        },
        spec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-store' },
          data: [{ secretKey: 'a', remoteRef: { key: 'example-api/a' } }],
        },
      },
    );
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: true,
        error: undefined,
      }),
    );
    await eventually(() =>
      expect(
        cache!
          .findExternalSecrets(selector)
          .map(o => o.metadata?.name)
          .sort(),
      ).toEqual(['after', 'before']),
    );
  });
});
