import {
  ApiException,
  KubernetesObject,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { setupServer } from 'msw/node';
import { kubernetesHandlers } from './mswHandlers';
import { createTestCluster, kubeConfigFor } from './__testUtils__/testCluster';

// The machine running tests is shared; key generation and TLS can be slow there.
jest.setTimeout(30_000);

const server = setupServer();
const emulators: Array<{ close(): void }> = [];
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  emulators.splice(0).forEach(e => e.close());
});
afterAll(() => server.close());

function setup(options: Parameters<typeof createTestCluster>[0] = {}) {
  const cluster = createTestCluster(options);
  emulators.push(cluster.emulator);
  server.use(...kubernetesHandlers(cluster.emulator));
  return cluster;
}

async function failure(promise: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await promise;
  } catch (error) {
    return error as ApiException<any>;
  }
  throw new Error('expected the request to fail');
}

function externalSecret(
  name: string,
  overrides: Record<string, unknown> = {},
): KubernetesObject & { spec: Record<string, unknown> } {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name,
      namespace: 'example-api',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      target: { name, creationPolicy: 'Owner' },
      data: [
        {
          secretKey: '.env',
          remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
        },
      ],
      ...overrides,
    },
  };
}

async function withNamespace(
  cluster: ReturnType<typeof setup>,
  name = 'example-api',
) {
  await cluster.core.createNamespace({ body: { metadata: { name } } });
}

/** Collects watch events until `count` arrived or the stream ends. */
async function collectWatch(
  cluster: ReturnType<typeof setup>,
  path: string,
  query: Record<string, string>,
  act: () => Promise<void>,
  count: number,
) {
  const events: Array<{ type: string; object: any }> = [];
  let resolveDone!: (err: unknown) => void;
  const done = new Promise(resolve => {
    resolveDone = resolve;
  });
  let resolveEnough!: () => void;
  const enough = new Promise<void>(resolve => {
    resolveEnough = resolve;
  });
  const controller = await new Watch(cluster.kc).watch(
    path,
    query,
    (type, object) => {
      events.push({ type, object });
      if (events.length >= count) resolveEnough();
    },
    err => resolveDone(err),
  );
  await act();
  await Promise.race([enough, done]);
  controller.abort();
  return events;
}

describe('KubernetesEmulator through @kubernetes/client-node', () => {
  it('rejects requests without a valid bearer token with 401', async () => {
    const { emulator } = setup();
    const anonymous = kubeConfigFor(emulator.url).makeApiClient(
      (await import('@kubernetes/client-node')).CoreV1Api,
    );
    const error = await failure(anonymous.listNamespace());
    expect(error.code).toBe(401);
    const wrong = kubeConfigFor(emulator.url, 'not-a-token').makeApiClient(
      (await import('@kubernetes/client-node')).CoreV1Api,
    );
    expect((await failure(wrong.listNamespace())).code).toBe(401);
  });

  it('accepts service account tokens it issued, until the account is deleted', async () => {
    const cluster = setup();
    await cluster.core.createNamespacedServiceAccount({
      namespace: 'default',
      body: { metadata: { name: 'reader' } },
    });
    await cluster.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'reader-views-namespaces' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'namespace-reader',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'reader', namespace: 'default' },
      ],
    } as KubernetesObject);
    await cluster.objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'namespace-reader' },
      rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }],
    } as KubernetesObject);
    const token = await cluster.emulator.issueServiceAccountToken({
      namespace: 'default',
      name: 'reader',
    });
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const asReader = kubeConfigFor(cluster.emulator.url, token).makeApiClient(
      CoreV1Api,
    );
    const namespaces = await asReader.listNamespace();
    expect(namespaces.items.map(n => n.metadata?.name)).toContain('default');

    await cluster.core.deleteNamespacedServiceAccount({
      namespace: 'default',
      name: 'reader',
    });
    expect((await failure(asReader.listNamespace())).code).toBe(401);
  });

  it('creates, reads, patches and deletes ESO objects with KubernetesObjectApi (discovery included)', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const created = await cluster.objects.create(
      externalSecret('example-api-env-file'),
    );
    expect(created.metadata?.uid).toBeDefined();
    expect(created.metadata?.generation).toBe(1);

    const header = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'example-api-env-file', namespace: 'example-api' },
    };
    const read = await cluster.objects.read(header);
    expect(read.metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion,
    );

    const patched = await cluster.objects.patch<KubernetesObject>(
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: 'example-api-env-file',
          namespace: 'example-api',
          annotations: { 'force-sync': '1700000000' },
        },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(patched.metadata?.annotations?.['force-sync']).toBe('1700000000');
    expect(patched.metadata?.generation).toBe(1);
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    await cluster.objects.delete(read);
    const gone = await failure(cluster.objects.read(header));
    expect(gone.code).toBe(404);
    expect(gone.body).toContain(
      'externalsecrets.external-secrets.io \\"example-api-env-file\\" not found',
    );
  });

  it('bumps metadata.generation on spec changes only and refuses stale resourceVersions', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const body = externalSecret('es');
    await cluster.custom.createNamespacedCustomObject({
      group: 'external-secrets.io',
      version: 'v1',
      namespace: 'example-api',
      plural: 'externalsecrets',
      body,
    });
    const jsonPatch = (ops: unknown[]) =>
      cluster.custom.patchNamespacedCustomObject(
        {
          group: 'external-secrets.io',
          version: 'v1',
          namespace: 'example-api',
          plural: 'externalsecrets',
          name: 'es',
          body: ops,
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    const labelled = await jsonPatch([
      { op: 'add', path: '/metadata/labels/team', value: 'payments' },
    ]);
    expect(labelled.metadata.generation).toBe(1);
    const respecced = await jsonPatch([
      { op: 'replace', path: '/spec/refreshInterval', value: '5m' },
    ]);
    expect(respecced.metadata.generation).toBe(2);

    const stale = await failure(
      cluster.custom.replaceNamespacedCustomObject({
        group: 'external-secrets.io',
        version: 'v1',
        namespace: 'example-api',
        plural: 'externalsecrets',
        name: 'es',
        body: {
          ...labelled,
          spec: { ...labelled.spec, refreshInterval: '1h' },
        },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body).toContain('the object has been modified');
  });

  it('refuses strategic merge on ESO objects with 415', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    await cluster.objects.create(externalSecret('es'));
    const url = `${cluster.emulator.url}/apis/external-secrets.io/v1/namespaces/example-api/externalsecrets/es`;
    for (const contentType of ['application/strategic-merge-patch+json']) {
      const response = await fetch(url, {
        method: 'PATCH',
        headers: {
          authorization: 'Bearer sandbox-admin-token',
          'content-type': contentType,
        },
        body: contentType.endsWith('yaml')
          ? 'spec:\n  refreshInterval: 1m\n'
          : '{"spec":{}}',
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({
        reason: 'UnsupportedMediaType',
      });
    }
  });

  it('keeps status out of main-resource writes and accepts it through /status', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const params = {
      group: 'external-secrets.io',
      version: 'v1',
      namespace: 'example-api',
      plural: 'externalsecrets',
      name: 'es',
    };
    await cluster.custom.createNamespacedCustomObject({
      ...params,
      body: { ...externalSecret('es'), status: { refreshTime: 'ignored' } },
    });
    const current = await cluster.custom.getNamespacedCustomObject(params);
    expect(current.status).toBeUndefined();
    const status = {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
        },
      ],
    };
    const updated = await cluster.custom.replaceNamespacedCustomObjectStatus({
      ...params,
      body: {
        ...current,
        status,
        spec: { ...current.spec, refreshInterval: '9h' },
      },
    });
    expect(updated.status).toEqual(status);
    expect(updated.spec.refreshInterval).toBe('2m');
  });

  it('answers invalid ESO objects with 422 field causes and webhook rules with the webhook denial', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const noRemoteRef = externalSecret('bad', { data: [{ secretKey: 'x' }] });
    const schema = await failure(cluster.objects.create(noRemoteRef));
    expect(schema.code).toBe(422);
    const status = JSON.parse(schema.body);
    expect(status).toMatchObject({
      kind: 'Status',
      reason: 'Invalid',
      code: 422,
    });
    expect(status.details.causes).toContainEqual(
      expect.objectContaining({
        field: 'spec.data[0].remoteRef',
        message: 'Required value',
      }),
    );

    const duplicate = externalSecret('dup', {
      data: [
        { secretKey: 'a', remoteRef: { key: 'k', property: 'p' } },
        { secretKey: 'a', remoteRef: { key: 'k', property: 'q' } },
      ],
    });
    const webhook = await failure(cluster.objects.create(duplicate));
    expect(webhook.code).toBe(403);
    expect(JSON.parse(webhook.body).message).toBe(
      'admission webhook "validate.externalsecret.external-secrets.io" denied the request: duplicate secretKey: a',
    );

    const empty = await failure(
      cluster.objects.create(externalSecret('empty', { data: [] })),
    );
    expect(JSON.parse(empty.body).message).toContain(
      'either data or dataFrom should be specified',
    );

    const store = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault' },
      spec: {
        provider: {
          vault: {
            server: 'https://vault.test:8200',
            path: 'secret',
            version: 'v2',
            caProvider: { type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt' },
            auth: {
              kubernetes: {
                mountPath: 'kubernetes',
                role: 'r',
                serviceAccountRef: {
                  name: 'external-secrets',
                  namespace: 'external-secrets',
                },
              },
            },
          },
        },
      },
    };
    const storeDenied = await failure(cluster.objects.create(store));
    expect(JSON.parse(storeDenied.body).message).toContain(
      'missing namespace on caProvider secret',
    );
    const wrongVersion = structuredClone(store);
    wrongVersion.spec.provider.vault.version = 'v3';
    const enumError = await failure(cluster.objects.create(wrongVersion));
    expect(enumError.code).toBe(422);
    expect(JSON.parse(enumError.body).message).toContain(
      'spec.provider.vault.version: Unsupported value: "v3"',
    );
    expect(
      await cluster.emulator.objects.list(
        cluster.emulator.type('clustersecretstores'),
      ),
    ).toEqual([]);
  });

  it('filters lists by label and field selectors', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    for (const [name, app] of [
      ['a', 'example-api'],
      ['b', 'example-worker'],
      ['c', 'example-api'],
    ]) {
      await cluster.core.createNamespacedConfigMap({
        namespace: 'example-api',
        body: {
          metadata: {
            name,
            labels: { app, ...(name === 'c' ? { tier: 'web' } : {}) },
          },
        },
      });
    }
    const names = (list: { items: Array<{ metadata?: { name?: string } }> }) =>
      list.items.map(i => i.metadata?.name);
    expect(
      names(
        await cluster.core.listNamespacedConfigMap({
          namespace: 'example-api',
          labelSelector: 'app=example-api',
        }),
      ),
    ).toEqual(['a', 'c']);
    expect(
      names(
        await cluster.core.listNamespacedConfigMap({
          namespace: 'example-api',
          labelSelector: 'app in (example-api,example-worker),!tier',
        }),
      ),
    ).toEqual(['a', 'b']);
    expect(
      names(
        await cluster.core.listNamespacedConfigMap({
          namespace: 'example-api',
          labelSelector: 'app!=example-api',
        }),
      ),
    ).toEqual(['b']);
    expect(
      names(
        await cluster.core.listNamespacedConfigMap({
          namespace: 'example-api',
          fieldSelector: 'metadata.name=b',
        }),
      ),
    ).toEqual(['b']);
    expect(
      names(
        await cluster.core.listConfigMapForAllNamespaces({
          fieldSelector: 'metadata.namespace!=example-api',
        }),
      ),
    ).toEqual([]);
    const unsupported = await failure(
      cluster.core.listNamespacedConfigMap({
        namespace: 'example-api',
        fieldSelector: 'data.x=1',
      }),
    );
    expect(unsupported.code).toBe(400);

    await cluster.core.createNamespacedEvent({
      namespace: 'example-api',
      body: {
        metadata: { name: 'es.1' },
        involvedObject: {
          kind: 'ExternalSecret',
          name: 'es',
          namespace: 'example-api',
        },
        reason: 'UpdateFailed',
        type: 'Warning',
        message: 'boom',
      },
    });
    const events = await cluster.core.listNamespacedEvent({
      namespace: 'example-api',
      fieldSelector: 'involvedObject.kind=ExternalSecret,type=Warning',
    });
    expect(events.items.map(e => e.reason)).toEqual(['UpdateFailed']);
  });

  it('serves Secrets as PartialObjectMetadata and fails loudly on Secret data reads when forbidden', async () => {
    const cluster = setup({ forbidSecretDataReads: true });
    await withNamespace(cluster);
    await cluster.emulator.objects.create(
      cluster.emulator.type('secrets'),
      'example-api',
      {
        metadata: { name: 's', labels: { a: 'b' } },
        stringData: { password: 'hunter2' },
      },
    );
    const metadataList = await cluster.core.listNamespacedSecret(
      { namespace: 'example-api' },
      setHeaderOptions(
        'Accept',
        'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
      ),
    );
    expect((metadataList as any).kind).toBe('PartialObjectMetadataList');
    expect(metadataList.items[0].metadata?.name).toBe('s');
    expect(JSON.stringify(metadataList)).not.toContain('aHVudGVyMg');
    expect(cluster.emulator.requestLog.secretDataReads()).toEqual([]);

    const full = await failure(
      cluster.core.listNamespacedSecret({ namespace: 'example-api' }),
    );
    expect(full.code).toBe(403);
    expect(cluster.emulator.requestLog.secretDataReads()).toHaveLength(1);
    expect(() => cluster.emulator.requestLog.assertNoSecretDataReads()).toThrow(
      /GET \/api\/v1\/namespaces\/example-api\/secrets/,
    );
  });

  it('streams Secret watches as PartialObjectMetadata when asked, without counting a data read', async () => {
    const cluster = setup({ forbidSecretDataReads: true });
    await withNamespace(cluster);
    await cluster.emulator.objects.create(
      cluster.emulator.type('secrets'),
      'example-api',
      {
        metadata: { name: 's' },
        stringData: { password: 'hunter2' },
      },
    );
    const response = await fetch(
      `${cluster.emulator.url}/api/v1/namespaces/example-api/secrets?watch=true`,
      {
        headers: {
          authorization: 'Bearer sandbox-admin-token',
          accept:
            'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
        },
      },
    );
    const reader = response.body!.getReader();
    let text = '';
    for (let i = 0; i < 10 && !text.includes('"ADDED"'); i++) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    // Not awaited: the interceptor settles a cancelled mocked stream only at teardown.
    reader.cancel().catch(() => undefined);
    const event = JSON.parse(text.trim().split('\n').pop()!);
    expect(event).toMatchObject({
      type: 'ADDED',
      object: { kind: 'PartialObjectMetadata', metadata: { name: 's' } },
    });
    expect(event.object.data).toBeUndefined();
    expect(cluster.emulator.requestLog.secretDataReads()).toEqual([]);

    const plain = await fetch(
      `${cluster.emulator.url}/api/v1/namespaces/example-api/secrets?watch=true`,
      { headers: { authorization: 'Bearer sandbox-admin-token' } },
    );
    expect(plain.status).toBe(403);
    expect(
      cluster.emulator.requestLog.secretDataReads().map(r => r.verb),
    ).toEqual(['watch']);
  });

  it('streams watch events, including selector transitions and bookmarks when asked', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const start = await cluster.core.listNamespacedConfigMap({
      namespace: 'example-api',
    });
    const events = await collectWatch(
      cluster,
      '/api/v1/namespaces/example-api/configmaps',
      {
        labelSelector: 'app=x',
        resourceVersion: start.metadata!.resourceVersion!,
        allowWatchBookmarks: 'true',
      },
      async () => {
        await cluster.core.createNamespacedConfigMap({
          namespace: 'example-api',
          body: { metadata: { name: 'cm', labels: { app: 'x' } } },
        });
        await cluster.core.patchNamespacedConfigMap(
          { namespace: 'example-api', name: 'cm', body: { data: { k: 'v' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        await cluster.core.patchNamespacedConfigMap(
          {
            namespace: 'example-api',
            name: 'cm',
            body: { metadata: { labels: { app: 'y' } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        cluster.emulator.sendBookmarks();
      },
      4,
    );
    expect(events.map(e => e.type)).toEqual([
      'ADDED',
      'MODIFIED',
      'DELETED',
      'BOOKMARK',
    ]);
    expect(events[1].object.data).toEqual({ k: 'v' });
    expect(events[0].object.kind).toBe('ConfigMap');
    expect(events[3].object.metadata.resourceVersion).toBe(
      events[2].object.metadata.resourceVersion,
    );
  });

  it('answers a watch from a compacted resourceVersion with a 410 Expired ERROR event', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const start = await cluster.core.listNamespacedConfigMap({
      namespace: 'example-api',
    });
    cluster.emulator.faults.compactHistory();
    const events = await collectWatch(
      cluster,
      '/api/v1/namespaces/example-api/configmaps',
      { resourceVersion: start.metadata!.resourceVersion! },
      async () => undefined,
      1,
    );
    expect(events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
        }),
      },
    ]);
  });

  it('lets an informer recover from dropped watches and compaction', async () => {
    const cluster = setup();
    await withNamespace(cluster);
    const { makeInformer } = await import('@kubernetes/client-node');
    const informer = makeInformer(
      cluster.kc,
      '/apis/external-secrets.io/v1/namespaces/example-api/externalsecrets',
      () =>
        cluster.custom.listNamespacedCustomObject({
          group: 'external-secrets.io',
          version: 'v1',
          namespace: 'example-api',
          plural: 'externalsecrets',
        }),
    );
    const seen: string[] = [];
    const added = (name: string) =>
      new Promise<void>((resolve, reject) => {
        let attempts = 0;
        const check = () => {
          if (informer.list().some(o => o.metadata?.name === name)) {
            resolve();
          } else if (++attempts > 2000) {
            reject(new Error(`the informer never saw ${name}`));
          } else {
            setTimeout(check, 10);
          }
        };
        check();
      });
    informer.on('add', o => seen.push(o.metadata!.name!));
    await informer.start();
    await cluster.objects.create(externalSecret('one'));
    await added('one');

    cluster.emulator.faults.dropAllWatches();
    await cluster.objects.create(externalSecret('two'));
    await added('two');

    cluster.emulator.faults.compactHistory();
    cluster.emulator.faults.dropAllWatches();
    await cluster.objects.create(externalSecret('three'));
    await added('three');
    await informer.stop();
    expect(
      informer
        .list()
        .map(o => o.metadata?.name)
        .sort(),
    ).toEqual(['one', 'three', 'two']);
    expect(seen).toEqual(expect.arrayContaining(['one', 'two', 'three']));
  });

  it('fails every request like a refused connection while the cluster is down', async () => {
    const cluster = setup();
    cluster.emulator.faults.setClusterDown(true);
    const error = await failure(cluster.core.listNamespace());
    expect(error).not.toBeInstanceOf(ApiException);
    cluster.emulator.faults.setClusterDown(false);
    const namespaces = await cluster.core.listNamespace();
    expect(namespaces.items.length).toBeGreaterThan(0);
  });

  it('records every request without bodies', async () => {
    const cluster = setup();
    await cluster.core.createNamespace({ body: { metadata: { name: 'ns1' } } });
    await cluster.core.readNamespace({ name: 'ns1' });
    const log = cluster.emulator.requestLog.all();
    expect(log.map(r => `${r.verb} ${r.resource} ${r.status}`)).toEqual([
      'create namespaces 201',
      'get namespaces 200',
    ]);
    expect(JSON.stringify(log)).not.toContain('"body"');
  });
});
