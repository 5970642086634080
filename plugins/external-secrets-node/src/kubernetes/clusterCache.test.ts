import { mockServices } from '@backstage/backend-test-utils';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { ClusterCache, ClusterCacheChange } from './clusterCache';
import { parseLabelSelector } from './labelSelector';
import { FakeKubernetesApi } from '../testUtils/fakeKubernetesApi';
import { eventually } from '../testUtils/eventually';
import {
  CES_PATH,
  CSS_PATH,
  ES_PATH,
  PS_PATH,
  EVENTS_PATH,
  clusterSecretStore,
  externalSecret,
  warningEvent,
} from '../testUtils/fixtures';

const api = new FakeKubernetesApi({
  baseUrl: 'https://cluster-a.example.test:6443',
  token: 'reader-token',
});
const server = setupServer(...api.handlers());

const selector = parseLabelSelector('backstage.io/kubernetes-id=example-api');

function seed() {
  api.put(
    CSS_PATH,
    clusterSecretStore({
      name: 'vault-store',
      ready: { status: 'True', reason: 'Valid' },
    }),
  );
  api.put(
    ES_PATH,
    externalSecret({
      name: 'example-api-env-file',
      namespace: 'example-api',
      kubernetesId: 'example-api',
      ready: { status: 'True', reason: 'SecretSynced' },
    }),
  );
  api.put(
    ES_PATH,
    externalSecret({
      name: 'other',
      namespace: 'other',
      kubernetesId: 'other-app',
    }),
  );
}

function createCache(
  token = 'reader-token',
  limits?: Parameters<typeof ClusterCache.create>[1]['limits'],
) {
  return ClusterCache.create(
    {
      name: 'cluster-a',
      url: api.baseUrl,
      authProvider: 'serviceAccount',
      serviceAccountToken: token,
      skipTLSVerify: false,
    },
    {
      logger: mockServices.logger.mock(),
      backoff: { initialMs: 20, maxMs: 100 },
      limits,
    },
  );
}

jest.setTimeout(30_000);

describe('ClusterCache', () => {
  let cache: ClusterCache | undefined;

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => seed());
  afterEach(async () => {
    await cache?.stop();
    cache = undefined;
    api.reset();
    server.resetHandlers();
  });

  it('lists every kind in the background and answers lookups from memory', async () => {
    cache = createCache();
    cache.start();
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        name: 'cluster-a',
        synced: true,
        reachable: true,
      }),
    );

    const found = cache.findExternalSecrets(selector);
    expect(found.map(o => o.metadata?.name)).toEqual(['example-api-env-file']);
    expect(cache.findExternalSecrets(selector, 'other')).toEqual([]);
    expect(
      cache.getStore('ClusterSecretStore', 'vault-store')?.metadata?.name,
    ).toBe('vault-store');
    expect(
      cache.listStores('ClusterSecretStore').map(s => s.metadata?.name),
    ).toEqual(['vault-store']);
    expect(cache.listStores('SecretStore')).toEqual([]);
    expect(
      cache
        .findExternalSecrets(
          parseLabelSelector('backstage.io/kubernetes-id in (other-app,nope)'),
        )
        .map(o => o.metadata?.name),
    ).toEqual(['other']);

    const requestsBefore = api.requests.length;
    cache.findExternalSecrets(selector);
    cache.eventsFor('ExternalSecret', 'example-api', 'example-api-env-file');
    cache.listStores('ClusterSecretStore');
    expect(api.requests.length).toBe(requestsBefore);
  });

  it('never sends a request about Secrets, listing or watching', async () => {
    cache = createCache();
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));
    await eventually(() => expect(api.watchRequestCount(ES_PATH)).toBe(1));
    expect(api.requests.filter(r => /\/secrets\b/.test(r.path))).toEqual([]);
    expect(api.secretRequests).toEqual([]);
  });

  it('follows watch events, keeps the label index current and reports each change', async () => {
    cache = createCache();
    const changes: ClusterCacheChange[] = [];
    cache.onChange(change => changes.push(change));
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));

    api.put(
      ES_PATH,
      externalSecret({
        name: 'example-api-config',
        namespace: 'example-api',
        kubernetesId: 'example-api',
      }),
    );
    await eventually(() =>
      expect(cache!.findExternalSecrets(selector)).toHaveLength(2),
    );

    api.put(
      ES_PATH,
      externalSecret({
        name: 'example-api-config',
        namespace: 'example-api',
        kubernetesId: 'renamed',
      }),
    );
    await eventually(() =>
      expect(cache!.findExternalSecrets(selector)).toHaveLength(1),
    );

    api.remove(ES_PATH, 'example-api', 'example-api-env-file');
    await eventually(() =>
      expect(cache!.findExternalSecrets(selector)).toHaveLength(0),
    );
    expect(
      changes.filter(c => c.resource === 'ExternalSecret').map(c => c.type),
    ).toEqual(expect.arrayContaining(['added', 'updated', 'deleted']));
  });

  it('keeps no managedFields, listed or watched', async () => {
    const managedFields = [
      { manager: 'external-secrets', operation: 'Update', fieldsV1: {} },
    ];
    const withManaged = (object: any) => ({
      ...object,
      metadata: { ...object.metadata, managedFields },
    });
    api.put(
      ES_PATH,
      withManaged(
        externalSecret({
          name: 'example-api-env-file',
          namespace: 'example-api',
          kubernetesId: 'example-api',
        }),
      ),
    );
    cache = createCache();
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));
    expect(
      cache.getExternalSecret('example-api', 'example-api-env-file')?.metadata,
    ).not.toHaveProperty('managedFields');

    api.put(
      ES_PATH,
      withManaged(
        externalSecret({
          name: 'example-api-config',
          namespace: 'example-api',
          kubernetesId: 'example-api',
        }),
      ),
    );
    await eventually(() =>
      expect(
        cache!.getExternalSecret('example-api', 'example-api-config'),
      ).toBeDefined(),
    );
    expect(
      cache.getExternalSecret('example-api', 'example-api-config')?.metadata,
    ).not.toHaveProperty('managedFields');
  });

  it('returns the Events about an object newest first', async () => {
    api.put(
      EVENTS_PATH,
      warningEvent({
        name: 'e1',
        namespace: 'example-api',
        kind: 'ExternalSecret',
        objectName: 'example-api-env-file',
        objectNamespace: 'example-api',
        reason: 'UpdateFailed',
        message: 'older',
        lastTimestamp: '2026-01-01T00:00:00Z',
      }),
    );
    api.put(
      EVENTS_PATH,
      warningEvent({
        name: 'e2',
        namespace: 'example-api',
        kind: 'ExternalSecret',
        objectName: 'example-api-env-file',
        objectNamespace: 'example-api',
        reason: 'UpdateFailed',
        message: 'newer',
        lastTimestamp: '2026-01-02T00:00:00Z',
      }),
    );
    api.put(
      EVENTS_PATH,
      warningEvent({
        name: 'e3',
        namespace: 'default',
        kind: 'ClusterSecretStore',
        objectName: 'vault-store',
        reason: 'InvalidProviderConfig',
        message: 'store problem',
        lastTimestamp: '2026-01-02T00:00:00Z',
      }),
    );
    cache = createCache();
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));
    expect(
      cache
        .eventsFor('ExternalSecret', 'example-api', 'example-api-env-file')
        .map(e => e.message),
    ).toEqual(['newer', 'older']);
    expect(
      cache
        .eventsFor('ClusterSecretStore', undefined, 'vault-store')
        .map(e => e.message),
    ).toEqual(['store problem']);
    expect(
      api.requests.some(
        r =>
          r.path === '/api/v1/events' &&
          decodeURIComponent(r.search).includes(
            'involvedObject.kind=SecretStore',
          ),
      ),
    ).toBe(true);
  });

  it('resumes after a dropped watch without losing changes', async () => {
    cache = createCache();
    cache.start();
    await eventually(() => expect(api.watchRequestCount(ES_PATH)).toBe(1));
    api.dropWatches();
    await eventually(() => expect(api.watchRequestCount(ES_PATH)).toBe(2));
    api.put(
      ES_PATH,
      externalSecret({
        name: 'after-drop',
        namespace: 'example-api',
        kubernetesId: 'example-api',
      }),
    );
    await eventually(() =>
      expect(
        cache!.findExternalSecrets(selector).map(o => o.metadata?.name),
      ).toContain('after-drop'),
    );
  });

  it('re-lists after 410 Gone and drops objects deleted meanwhile', async () => {
    cache = createCache();
    cache.start();
    await eventually(() => expect(api.watchRequestCount(ES_PATH)).toBe(1));
    const listsBefore = api.requests.filter(
      r => r.path === ES_PATH && !r.search.includes('watch'),
    ).length;

    api.setDown(true);
    api.remove(ES_PATH, 'example-api', 'example-api-env-file');
    api.put(
      ES_PATH,
      externalSecret({
        name: 'while-away',
        namespace: 'example-api',
        kubernetesId: 'example-api',
      }),
    );
    api.compact();
    api.setDown(false);

    await eventually(() =>
      expect(
        cache!.findExternalSecrets(selector).map(o => o.metadata?.name),
      ).toEqual(['while-away']),
    );
    const listsAfter = api.requests.filter(
      r => r.path === ES_PATH && !r.search.includes('watch'),
    ).length;
    expect(listsAfter).toBeGreaterThan(listsBefore);
  });

  it('reports an unreachable cluster, keeps the last known objects and recovers', async () => {
    cache = createCache();
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));
    api.setDown(true);
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: false,
        synced: true,
        error: expect.any(String),
      }),
    );
    expect(cache.findExternalSecrets(selector)).toHaveLength(1);
    api.setDown(false);
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: true,
        error: undefined,
      }),
    );
  });

  it('keeps retrying while the cluster stays down, then converges once it is back', async () => {
    cache = createCache();
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));

    api.setDown(true);
    // Several failed retries in a row, each with a fresh LIST: the outage outlasts the backoff.
    await eventually(() =>
      expect(api.refusedListCount(ES_PATH)).toBeGreaterThanOrEqual(4),
    );
    expect(cache.health()).toMatchObject({ reachable: false, synced: true });
    api.put(
      ES_PATH,
      externalSecret({
        name: 'created-while-down',
        namespace: 'example-api',
        kubernetesId: 'example-api',
      }),
    );

    api.setDown(false);
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: true,
        error: undefined,
      }),
    );
    await eventually(() =>
      expect(
        cache!.findExternalSecrets(selector).map(o => o.metadata?.name),
      ).toContain('created-while-down'),
    );
    // back to watching, not to listing in a loop
    const lists = api.requests.filter(
      r => r.path === ES_PATH && !r.search.includes('watch'),
    ).length;
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(
      api.requests.filter(
        r => r.path === ES_PATH && !r.search.includes('watch'),
      ).length,
    ).toBe(lists);
  });

  it('syncs a cluster that was down at start once it comes up', async () => {
    api.setDown(true);
    cache = createCache();
    cache.start();
    await eventually(() =>
      expect(api.refusedListCount(ES_PATH)).toBeGreaterThanOrEqual(3),
    );
    expect(cache.health()).toMatchObject({ reachable: false, synced: false });
    api.setDown(false);
    await eventually(() =>
      expect(cache!.health()).toMatchObject({ reachable: true, synced: true }),
    );
    expect(cache.findExternalSecrets(selector)).toHaveLength(1);
  });

  it('starts no watch for a list that was still under way at stop', async () => {
    const release = api.holdLists();
    cache = createCache();
    cache.start();
    await eventually(() =>
      expect(api.requests.some(r => r.path === ES_PATH)).toBe(true),
    );
    await cache.stop();
    release();
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(api.requests.filter(r => r.search.includes('watch=true'))).toEqual(
      [],
    );
    cache = undefined;
  });

  it('lists page by page and watches with timeoutSeconds and bookmarks', async () => {
    for (let i = 0; i < 5; i++) {
      api.put(
        ES_PATH,
        externalSecret({
          name: `paged-${i}`,
          namespace: 'example-api',
          kubernetesId: 'example-api',
        }),
      );
    }
    cache = createCache('reader-token', {
      pageSize: 2,
      watchTimeoutMs: 120_000,
    });
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));
    expect(cache.findExternalSecrets(selector)).toHaveLength(6);
    const lists = api.requests.filter(
      r => r.path === ES_PATH && !r.search.includes('watch'),
    );
    expect(
      lists.map(r => new URLSearchParams(r.search).get('continue')),
    ).toEqual([null, '2', '4', '6'].slice(0, lists.length));
    expect(lists.every(r => r.search.includes('limit=2'))).toBe(true);
    await eventually(() => expect(api.watchRequestCount(ES_PATH)).toBe(1));
    const watch = api.requests.find(
      r => r.path === ES_PATH && r.search.includes('watch=true'),
    )!;
    const params = new URLSearchParams(watch.search);
    expect(params.get('allowWatchBookmarks')).toBe('true');
    expect(params.get('timeoutSeconds')).toBe('120');
  });

  it('gives up on a LIST that hangs, says so, and converges once the server answers', async () => {
    const release = api.holdLists();
    cache = createCache('reader-token', { requestTimeoutMs: 200 });
    cache.start();
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: false,
        synced: false,
        error: expect.stringContaining('no answer in time'),
      }),
    );
    release();
    await eventually(() =>
      expect(cache!.health()).toMatchObject({ reachable: true, synced: true }),
    );
    expect(cache.findExternalSecrets(selector)).toHaveLength(1);
  });

  it('re-lists when a watch goes silent without closing', async () => {
    cache = createCache('reader-token', { silentWatchMs: 300 });
    cache.start();
    await eventually(() => expect(api.watchRequestCount(ES_PATH)).toBe(1));
    // one event through the open watch: it is connected and streaming
    api.put(
      ES_PATH,
      externalSecret({
        name: 'before-silence',
        namespace: 'example-api',
        kubernetesId: 'example-api',
      }),
    );
    await eventually(() =>
      expect(
        cache!.findExternalSecrets(selector).map(o => o.metadata?.name),
      ).toContain('before-silence'),
    );
    const listsBefore = api.requests.filter(
      r => r.path === ES_PATH && !r.search.includes('watch'),
    ).length;
    api.silenceWatches(true);
    api.put(
      ES_PATH,
      externalSecret({
        name: 'while-silent',
        namespace: 'example-api',
        kubernetesId: 'example-api',
      }),
    );
    await eventually(() =>
      expect(
        cache!.findExternalSecrets(selector).map(o => o.metadata?.name),
      ).toContain('while-silent'),
    );
    expect(
      api.requests.filter(
        r => r.path === ES_PATH && !r.search.includes('watch'),
      ).length,
    ).toBeGreaterThan(listsBefore);
    api.silenceWatches(false);
    expect(cache.health()).toMatchObject({ reachable: true });
  });

  it('keeps a Sync-now PATCH that gets no answer from hanging', async () => {
    server.use(
      http.patch(`${api.baseUrl}/*`, () => new Promise<never>(() => undefined)),
    );
    cache = createCache('reader-token', { requestTimeoutMs: 200 });
    await expect(
      cache.forceSync('example-api', 'example-api-env-file', 'now'),
    ).rejects.toThrow(/no answer in time/);
  });

  it('reports a rejected token as an unreachable, never-synced cluster', async () => {
    cache = createCache('wrong-token');
    cache.start();
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: false,
        synced: false,
        error: expect.stringContaining('401'),
      }),
    );
  });

  it('sets the force-sync annotation with a merge patch', async () => {
    cache = createCache();
    await cache.forceSync(
      'example-api',
      'example-api-env-file',
      '2026-01-01T00:00:00.000Z',
    );
    expect(api.patches).toEqual([
      {
        path: `${ES_PATH.replace(
          '/externalsecrets',
          '',
        )}/namespaces/example-api/externalsecrets/example-api-env-file`,
        body: {
          metadata: {
            annotations: { 'force-sync': '2026-01-01T00:00:00.000Z' },
          },
        },
        contentType: 'application/merge-patch+json',
      },
    ]);
    expect(
      api.get(ES_PATH, 'example-api', 'example-api-env-file').metadata
        .annotations['force-sync'],
    ).toBe('2026-01-01T00:00:00.000Z');
  });

  it('caches ClusterExternalSecrets and PushSecrets, indexed and bounded', async () => {
    const namespaces = Array.from({ length: 150 }, (_, i) => `ns-${i}`);
    api.put(CES_PATH, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: 'shared-db' },
      spec: {
        namespaceSelectors: [{ matchLabels: { db: 'yes' } }],
        externalSecretSpec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-store' },
          data: namespaces.map(n => ({
            secretKey: n,
            remoteRef: { key: `db/${n}` },
          })),
        },
      },
      status: {
        externalSecretName: 'shared-db',
        provisionedNamespaces: namespaces,
        failedNamespaces: [{ namespace: 'x', reason: 'r'.repeat(10_000) }],
        conditions: [{ type: 'Ready', status: 'False', message: 'm' }],
      },
    });
    api.put(PS_PATH, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: {
        name: 'api-token',
        namespace: 'example-api',
        labels: { 'backstage.io/kubernetes-id': 'example-api' },
      },
      spec: { selector: { secret: { name: 'api-token' } } },
      status: {
        syncedPushSecrets: {
          'ClusterSecretStore/vault-store': Object.fromEntries(
            namespaces.map(n => [
              `push/${n}`,
              {
                match: {
                  secretKey: 'k',
                  remoteRef: { remoteKey: `push/${n}` },
                },
                metadata: { big: 'x'.repeat(1000) },
              },
            ]),
          ),
        },
      },
    });
    api.put(
      EVENTS_PATH,
      warningEvent({
        name: 'ps-event',
        namespace: 'example-api',
        kind: 'PushSecret',
        objectName: 'api-token',
        objectNamespace: 'example-api',
        reason: 'Errored',
        message: 'set secret failed: secret key k does not exist',
        lastTimestamp: '2026-03-01T10:00:00Z',
      }),
    );
    cache = createCache();
    cache.start();
    await eventually(() => expect(cache!.health().synced).toBe(true));
    await eventually(() =>
      expect(cache!.findPushSecrets(selector)).toHaveLength(1),
    );

    const ces = cache.getClusterExternalSecret('shared-db')!;
    expect(ces.status?.provisionedNamespaces).toHaveLength(100);
    expect(ces.status?.failedNamespaces?.[0].reason?.length).toBeLessThan(4100);
    // the template is never read: only what says where it reads from stays
    expect(ces.spec?.externalSecretSpec).toEqual({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-store' },
    });
    expect(cache.listClusterExternalSecrets()).toHaveLength(1);

    const [ps] = cache.findPushSecrets(selector, 'example-api');
    const refs =
      ps.status!.syncedPushSecrets!['ClusterSecretStore/vault-store'];
    expect(Object.keys(refs)).toHaveLength(100);
    expect(refs['push/ns-0']).toEqual({
      match: { secretKey: 'k', remoteRef: { remoteKey: 'push/ns-0' } },
    });
    expect(cache.findPushSecrets(selector, 'other')).toEqual([]);
    expect(
      cache
        .eventsFor('PushSecret', 'example-api', 'api-token')
        .map(e => e.message),
    ).toEqual(['set secret failed: secret key k does not exist']);
  });

  it('stays reachable when the new kinds are forbidden, and says so', async () => {
    api.forbid(PS_PATH);
    api.forbid(CES_PATH);
    cache = createCache();
    cache.start();
    await eventually(() =>
      expect(cache!.health()).toMatchObject({
        reachable: true,
        synced: true,
        error: expect.stringMatching(/^(ClusterExternalSecret|PushSecret): /),
      }),
    );
    expect(cache.findExternalSecrets(selector)).toHaveLength(1);
    expect(cache.findPushSecrets(selector)).toEqual([]);
  });
});
