import { FieldSelector } from './fieldSelector';
import { KubernetesApiError } from './kubernetesStatus';
import { KubernetesEmulator } from './KubernetesEmulator';

async function failure(promise: Promise<unknown> | (() => unknown)) {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error as KubernetesApiError;
  }
  throw new Error('expected a failure');
}

function cluster() {
  return new KubernetesEmulator({ url: 'https://k8s.test' });
}

const event = {
  metadata: { name: 'e', namespace: 'ns' },
  involvedObject: { kind: 'ExternalSecret', name: 'es', namespace: 'ns' },
  reason: 'UpdateFailed',
  type: 'Warning',
  source: { component: 'external-secrets' },
};

describe('FieldSelector', () => {
  const events = cluster().type('events');
  it.each([
    ['involvedObject.kind=ExternalSecret', true],
    ['involvedObject.kind==ExternalSecret,type=Warning', true],
    ['involvedObject.kind!=ExternalSecret', false],
    ['reason=UpdateFailed,involvedObject.name=other', false],
    ['source=external-secrets', true],
    ['metadata.namespace=ns,metadata.name=e', true],
  ])('%s matches the event: %s', (selector, expected) => {
    expect(FieldSelector.parse(selector, events).matches(event)).toBe(expected);
  });

  it('rejects fields the kind cannot be selected by', async () => {
    const error = await failure(() => FieldSelector.parse('spec.x=1', events));
    expect(error.code).toBe(400);
  });
});

describe('ObjectRegistry semantics', () => {
  it('requires the namespace to exist and validates names', async () => {
    const c = cluster();
    const missing = await failure(
      c.objects.create(c.type('configmaps'), 'nope', {
        metadata: { name: 'cm' },
      }),
    );
    expect(missing.message).toBe('namespaces "nope" not found');
    const badName = await failure(
      c.objects.create(c.type('configmaps'), 'default', {
        metadata: { name: 'Bad_Name' },
      }),
    );
    expect(badName.code).toBe(422);
    const duplicate = c.objects.create(c.type('configmaps'), 'default', {
      metadata: { name: 'cm' },
    });
    await duplicate;
    const again = await failure(
      c.objects.create(c.type('configmaps'), 'default', {
        metadata: { name: 'cm' },
      }),
    );
    expect(again.code).toBe(409);
    expect(again.reason).toBe('AlreadyExists');
  });

  it('stores stringData as base64 data and rejects data that is not base64', async () => {
    const c = cluster();
    const secret = await c.objects.create(c.type('secrets'), 'default', {
      metadata: { name: 's' },
      stringData: { token: 'abc' },
    });
    expect(secret).toMatchObject({ type: 'Opaque', data: { token: 'YWJj' } });
    expect(secret.stringData).toBeUndefined();
    const bad = await failure(
      c.objects.create(c.type('secrets'), 'default', {
        metadata: { name: 't' },
        data: { token: 'not base64!' },
      }),
    );
    expect(bad.code).toBe(422);
  });

  it('denies deletionPolicy Delete without creationPolicy Owner (ESO webhook)', async () => {
    const c = cluster();
    const error = await failure(
      c.objects.create(c.type('externalsecrets'), 'default', {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'es' },
        spec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
          target: { creationPolicy: 'Orphan', deletionPolicy: 'Delete' },
          data: [{ secretKey: 'a', remoteRef: { key: 'k' } }],
        },
      }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toContain('deletionPolicy=Delete must not be used');
  });

  it('deletes what a namespace holds and what an owner owns', async () => {
    const c = cluster();
    await c.objects.create(c.type('namespaces'), undefined, {
      metadata: { name: 'app' },
    });
    const owner = await c.objects.create(c.type('configmaps'), 'app', {
      metadata: { name: 'owner' },
    });
    await c.objects.create(c.type('secrets'), 'default', {
      metadata: {
        name: 'owned',
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'owner',
            uid: owner.metadata.uid!,
          },
        ],
      },
    });
    c.objects.delete(c.type('namespaces'), undefined, 'app');
    expect(c.objects.list(c.type('configmaps'), 'app')).toEqual([]);
    expect(c.objects.list(c.type('secrets'), 'default')).toEqual([]);
  });
});
