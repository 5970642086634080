import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  clusterSecretStore,
  CSS_PATH,
  ES_PATH,
  EVENTS_PATH,
  eventually,
  externalSecret,
  FakeKubernetesApi,
  warningEvent,
} from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { externalSecretsPlugin } from '../plugin';

jest.setTimeout(60_000);

const cluster = new FakeKubernetesApi({
  baseUrl: 'https://history.example.test:6443',
  token: 'token-h',
});
const server = setupServer(...cluster.handlers());

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};
const STATUS =
  '/api/external-secrets/entities/default/component/example-api/status';

function putExternalSecret(healthy: boolean, at: string) {
  cluster.put(
    ES_PATH,
    externalSecret({
      name: 'example-api-env-file',
      namespace: 'example-api',
      kubernetesId: 'example-api',
      ready: healthy
        ? { status: 'True', reason: 'SecretSynced', message: 'secret synced' }
        : {
            status: 'False',
            reason: 'SecretSyncedError',
            message: 'could not get secret data from provider',
          },
      refreshTime: at,
    }),
  );
}

describe('sync history through the status API and the MCP action', () => {
  const actionsRegistry = actionsRegistryServiceMock();
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  const status = async () => {
    const res = await request(backend.server)
      .get(STATUS)
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    cluster.put(
      CSS_PATH,
      clusterSecretStore({
        name: 'vault-store',
        ready: { status: 'True', reason: 'Valid', message: 'store validated' },
      }),
    );
    putExternalSecret(true, new Date().toISOString());
    backend = await startTestBackend({
      features: [
        externalSecretsPlugin,
        mockServices.rootConfig.factory({
          data: {
            externalSecrets: {
              clusters: [
                {
                  name: 'prod',
                  url: cluster.baseUrl,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'token-h',
                },
              ],
              history: { transitionsInStatus: 5 },
            },
          },
        }),
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish: async () => {} }),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistry,
        }),
        catalogServiceMock.factory({ entities: [entity] }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    server.close();
  });

  it('shows the first state, then a failure with its finding and when it was last healthy', async () => {
    const first = await eventually(async () => {
      const body = await status();
      expect(body.externalSecrets[0].transitions).toHaveLength(1);
      return body;
    });
    const [synced] = first.externalSecrets;
    expect(synced).toMatchObject({
      state: 'Synced',
      lastHealthyAt: first.generatedAt,
      transitions: [{ to: 'Synced', reason: 'SecretSynced' }],
    });
    expect(synced.transitions[0].from).toBeUndefined();

    cluster.put(
      EVENTS_PATH,
      warningEvent({
        name: 'example-api-env-file.1',
        namespace: 'example-api',
        kind: 'ExternalSecret',
        objectName: 'example-api-env-file',
        objectNamespace: 'example-api',
        reason: 'UpdateFailed',
        message:
          'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"',
        lastTimestamp: new Date().toISOString(),
      }),
    );
    putExternalSecret(false, synced.lastSyncTime);
    const failing = await eventually(async () => {
      const body = await status();
      expect(body.externalSecrets[0].transitions).toHaveLength(2);
      return body;
    });
    const [row] = failing.externalSecrets;
    expect(row.state).toBe('Error');
    expect(row.transitions[0]).toMatchObject({
      from: 'Synced',
      to: 'Error',
      reason: 'SecretSyncedError',
      findingCode: 'PROPERTY_MISSING',
    });
    expect(row.lastHealthyAt).toBe(row.transitions[0].at);
    expect(Date.parse(row.lastHealthyAt)).toBeLessThan(
      Date.parse(failing.generatedAt) + 1,
    );
    expect(failing.historyError).toBeUndefined();

    const result = await actionsRegistry.invoke({
      id: 'test:get-entity-external-secrets-status',
      input: { entityRef: 'example-api' },
      credentials: mockCredentials.user(),
    });
    expect(result.output).toMatchObject({
      externalSecrets: [
        {
          state: 'Error',
          lastHealthyAt: row.lastHealthyAt,
          transitions: [
            { from: 'Synced', to: 'Error', findingCode: 'PROPERTY_MISSING' },
            { to: 'Synced' },
          ],
        },
      ],
    });
  });
});
