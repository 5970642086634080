import type {
  ClusterCache,
  ClusterCacheChange,
} from '@gitops-secrets/plugin-external-secrets-node';
import { VaultFactsInvalidator } from './VaultFactsInvalidator';
import type { VaultFactsProvider } from './VaultFactsProvider';

const store = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  metadata: { name: 'vault-example-api' },
  spec: {
    provider: {
      vault: {
        server: 'https://vault.example.test:8200',
        path: 'secret',
        auth: {
          kubernetes: {
            mountPath: 'kubernetes',
            role: 'external-secrets-example-api',
          },
        },
      },
    },
  },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid' }] },
};

function externalSecret(ready: string, reason: string) {
  return {
    metadata: { name: 'example-api-env-file', namespace: 'example-api' },
    spec: {
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      data: [{ secretKey: '.env', remoteRef: { key: 'example-api/env-file' } }],
    },
    status: { conditions: [{ type: 'Ready', status: ready, reason }] },
  };
}

function warning(message: string, count: number) {
  return {
    metadata: { name: 'ev', namespace: 'example-api' },
    involvedObject: {
      kind: 'ExternalSecret',
      name: 'example-api-env-file',
      namespace: 'example-api',
    },
    type: 'Warning',
    reason: 'UpdateFailed',
    message,
    count,
  };
}

function fakeCluster() {
  let listener: (change: ClusterCacheChange) => void = () => undefined;
  const state = {
    es: externalSecret('True', 'SecretSynced') as any,
    events: [] as any[],
  };
  const cluster = {
    name: 'sandbox',
    onChange: (l: typeof listener) => {
      listener = l;
      return () => undefined;
    },
    getExternalSecret: () => state.es,
    getStore: () => store,
    eventsFor: (kind: string) =>
      kind === 'ExternalSecret' ? state.events : [],
  } as unknown as ClusterCache;
  const emit = (resource: ClusterCacheChange['resource'], object: any) =>
    listener({ cluster: 'sandbox', resource, type: 'updated', object });
  return { cluster, state, emit };
}

describe('VaultFactsInvalidator', () => {
  const afterward: Array<() => void> = [];
  afterEach(() => afterward.splice(0).forEach(f => f()));

  it('drops the facts behind a row when Ready flips or a new Warning arrives, not on a repeat', () => {
    const { cluster, state, emit } = fakeCluster();
    const facts = { invalidate: jest.fn() };
    const invalidator = new VaultFactsInvalidator({
      clusters: [cluster],
      facts: facts as unknown as VaultFactsProvider,
    });

    emit('ExternalSecret', state.es);
    facts.invalidate.mockClear();
    afterward.push(() => invalidator.stop());

    state.es = externalSecret('False', 'SecretSyncedError');
    emit('ExternalSecret', state.es);
    expect(facts.invalidate).toHaveBeenCalledWith(
      {
        server: 'https://vault.example.test:8200',
        path: 'secret',
        authMountPath: 'kubernetes',
        role: 'external-secrets-example-api',
      },
      ['example-api/env-file'],
    );

    state.events = [warning('login failed: permission denied', 1)];
    emit('Event', state.events[0]);
    expect(facts.invalidate).toHaveBeenCalledTimes(2);

    // the same Warning again (aggregated, count 2): nothing new to explain
    state.events = [warning('login failed: permission denied', 2)];
    emit('Event', state.events[0]);
    // a status write that leaves Ready as it was
    emit('ExternalSecret', state.es);
    expect(facts.invalidate).toHaveBeenCalledTimes(2);

    state.events = [warning('cannot read secret data: permission denied', 3)];
    emit('Event', state.events[0]);
    expect(facts.invalidate).toHaveBeenCalledTimes(3);
  });

  it('drops a store’s facts when the store’s Ready condition flips', () => {
    const { cluster, emit } = fakeCluster();
    const facts = { invalidate: jest.fn() };
    const invalidator = new VaultFactsInvalidator({
      clusters: [cluster],
      facts: facts as unknown as VaultFactsProvider,
    });
    afterward.push(() => invalidator.stop());
    emit('ClusterSecretStore', store);
    facts.invalidate.mockClear();
    store.status.conditions[0] = {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidProviderConfig',
    };
    emit('ClusterSecretStore', store);
    expect(facts.invalidate).toHaveBeenCalledWith(
      expect.objectContaining({ role: 'external-secrets-example-api' }),
    );
  });
});
