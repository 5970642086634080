import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  notificationService,
  type NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
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
import { VaultClient } from '@gitops-secrets/plugin-external-secrets-node';
import knexFactory, { type Knex } from 'knex';
import { setupServer } from 'msw/node';
import { VaultEmulator, vaultHandlers } from 'sandbox';
import { externalSecretsPlugin } from '../plugin';

jest.setTimeout(90_000);

const cluster = new FakeKubernetesApi({
  baseUrl: 'https://notify.example.test:6443',
  token: 'token-n',
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

const LAST_SYNC = '2026-12-01T10:00:00.000Z';

function putExternalSecret(
  name: string,
  healthy: boolean,
  options: { refreshTime?: string; since?: string } = {},
) {
  cluster.put(
    ES_PATH,
    externalSecret({
      name,
      namespace: 'example-api',
      kubernetesId: 'example-api',
      ready: healthy
        ? {
            status: 'True',
            reason: 'SecretSynced',
            message: 'secret synced',
            lastTransitionTime: options.since,
          }
        : {
            status: 'False',
            reason: 'SecretSyncedError',
            message: 'could not get secret data from provider',
            lastTransitionTime: options.since ?? new Date().toISOString(),
          },
      refreshTime: options.refreshTime ?? new Date().toISOString(),
    } as Parameters<typeof externalSecret>[0]),
  );
}

function propertyMissingEvent(name: string) {
  cluster.put(
    EVENTS_PATH,
    warningEvent({
      name: `${name}.1`,
      namespace: 'example-api',
      kind: 'ExternalSecret',
      objectName: name,
      objectNamespace: 'example-api',
      reason: 'UpdateFailed',
      message: `error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"`,
      lastTimestamp: new Date().toISOString(),
    }),
  );
}

/** One plugin instance ("replica"), sharing the database and the sent list with the others. */
async function startReplica(options: {
  name: string;
  db: Knex;
  sent: Array<NotificationSendOptions & { by: string }>;
  notifications?: Record<string, unknown>;
  /** more of `externalSecrets` (the Vault the status service reads) */
  externalSecrets?: Record<string, unknown>;
}) {
  const actionsRegistry = actionsRegistryServiceMock();
  return startTestBackend({
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
                serviceAccountToken: 'token-n',
              },
            ],
            notifications: {
              gracePeriod: '1s',
              checkInterval: '1s',
              ...options.notifications,
            },
            ...options.externalSecrets,
          },
        },
      }),
      createServiceFactory({
        service: coreServices.database,
        deps: {},
        factory: () => ({ getClient: async () => options.db }),
      }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (notification: NotificationSendOptions) => {
            options.sent.push({ ...notification, by: options.name });
          },
        }),
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
}

/** The count must hold for a few checks of every replica. */
async function staysAt(list: unknown[], expected: number) {
  for (let i = 0; i < 12; i++) {
    expect(list).toHaveLength(expected);
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

const withoutSender = ({
  by: _by,
  ...notification
}: NotificationSendOptions & { by: string }) => notification;

describe('notifications to the owner, through the notifications service', () => {
  const sent: Array<NotificationSendOptions & { by: string }> = [];
  const backends: Array<Awaited<ReturnType<typeof startTestBackend>>> = [];
  let db: Knex;

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    cluster.put(
      CSS_PATH,
      clusterSecretStore({
        name: 'vault-store',
        ready: { status: 'True', reason: 'Valid', message: 'store validated' },
      }),
    );
    putExternalSecret('example-api-env-file', true, {
      refreshTime: LAST_SYNC,
    });
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    // two replicas on one database: each sees the same cluster and decides on its own
    backends.push(await startReplica({ name: 'A', db, sent }));
    backends.push(await startReplica({ name: 'B', db, sent }));
  });

  afterAll(async () => {
    await Promise.all(backends.map(b => b.stop()));
    await db?.destroy();
    server.close();
    cluster.reset();
  });

  it('tells the owner once when a working ExternalSecret breaks past the grace period, then once when it recovers, whatever the replicas and restarts', async () => {
    await staysAt(sent, 0);

    const brokeAt = new Date().toISOString();
    propertyMissingEvent('example-api-env-file');
    putExternalSecret('example-api-env-file', false, {
      refreshTime: LAST_SYNC,
      since: brokeAt,
    });
    await eventually(() => expect(sent).toHaveLength(1), 20_000);
    expect(withoutSender(sent[0])).toEqual({
      recipients: { type: 'entity', entityRef: ['group:default/team-a'] },
      payload: {
        title:
          'example-api: ExternalSecret example-api-env-file stopped syncing',
        description: expect.stringContaining(
          `ExternalSecret example-api/example-api-env-file in cluster prod fails since ${brokeAt}; the Secret keeps its last synced value.`,
        ),
        link: '/catalog/default/component/example-api/secrets',
        severity: 'high',
        topic: 'external-secrets',
        scope: `external-secrets:prod/example-api/example-api-env-file:${LAST_SYNC}:failing`,
      },
    });
    // the finding's summary and fix, as the Secrets tab shows them
    expect(sent[0].payload.description).toMatch(/property "dotenv".*Fix: /s);
    await staysAt(sent, 1);

    // a restarted replica finds the episode in the database and sends nothing again
    await backends[0].stop();
    backends[0] = await startReplica({ name: 'A again', db, sent });
    await staysAt(sent, 1);

    const syncedAt = new Date().toISOString();
    putExternalSecret('example-api-env-file', true, {
      refreshTime: syncedAt,
      since: syncedAt,
    });
    await eventually(() => expect(sent).toHaveLength(2), 20_000);
    expect(withoutSender(sent[1])).toEqual({
      recipients: { type: 'entity', entityRef: ['group:default/team-a'] },
      payload: {
        title: 'example-api: ExternalSecret example-api-env-file syncs again',
        description: `ExternalSecret example-api/example-api-env-file in cluster prod recovered; it had failed since ${brokeAt} (PROPERTY_MISSING). ESO synced it at ${syncedAt}.`,
        link: '/catalog/default/component/example-api/secrets',
        severity: 'low',
        topic: 'external-secrets',
        scope: `external-secrets:prod/example-api/example-api-env-file:${LAST_SYNC}:recovered`,
      },
    });
    await staysAt(sent, 2);
  });
});

describe('a cluster-wide failure', () => {
  const sent: Array<NotificationSendOptions & { by: string }> = [];
  const backends: Array<Awaited<ReturnType<typeof startTestBackend>>> = [];
  let db: Knex;
  const names = [1, 2, 3, 4, 5, 6].map(n => `example-api-part-${n}`);

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    cluster.put(
      CSS_PATH,
      clusterSecretStore({
        name: 'vault-store',
        ready: { status: 'True', reason: 'Valid', message: 'store validated' },
      }),
    );
    for (const name of names) {
      putExternalSecret(name, true, { refreshTime: LAST_SYNC });
    }
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    const notifications = {
      clusterOutage: {
        recipients: ['group:default/platform-team'],
        minExternalSecrets: 5,
      },
    };
    backends.push(await startReplica({ name: 'A', db, sent, notifications }));
    backends.push(await startReplica({ name: 'B', db, sent, notifications }));
  });

  afterAll(async () => {
    await Promise.all(backends.map(b => b.stop()));
    await db?.destroy();
    server.close();
    cluster.reset();
  });

  it('tells the platform team once instead of every owner, and once when it is over', async () => {
    await staysAt(sent, 0);
    const since = new Date().toISOString();
    for (const name of names) {
      putExternalSecret(name, false, { refreshTime: LAST_SYNC, since });
    }
    await eventually(() => expect(sent).toHaveLength(1), 20_000);
    expect(withoutSender(sent[0])).toEqual({
      recipients: {
        type: 'entity',
        entityRef: ['group:default/platform-team'],
      },
      payload: {
        title: 'Cluster prod: 6 of 6 ExternalSecrets fail',
        description: `6 of 6 ExternalSecrets in cluster prod fail since ${since}: something they share (the cluster's Vault auth, a store, Vault itself) is likely broken. Owners are not told about each of them while it lasts.`,
        link: '/secrets-health',
        severity: 'critical',
        topic: 'external-secrets',
        scope: 'external-secrets:cluster:prod:000001:outage',
      },
    });
    await staysAt(sent, 1);

    for (const name of names) {
      putExternalSecret(name, true);
    }
    await eventually(() => expect(sent).toHaveLength(2), 20_000);
    expect(sent[1]).toMatchObject({
      recipients: { entityRef: ['group:default/platform-team'] },
      payload: {
        title: 'Cluster prod: ExternalSecrets sync again',
        severity: 'normal',
        scope: 'external-secrets:cluster:prod:000001:over',
      },
    });
    // the owners were never told of the failure, so they hear of no recovery either
    await staysAt(sent, 2);
  });
});

describe('a Vault version that does not reach the cluster', () => {
  const VAULT_URL = 'https://vault.notify.test:8200';
  const sent: Array<NotificationSendOptions & { by: string }> = [];
  const backends: Array<Awaited<ReturnType<typeof startTestBackend>>> = [];
  const vault = new VaultEmulator();
  const root = new VaultClient(
    {
      baseUrl: VAULT_URL,
      timeoutMs: 5000,
      maxRetries: 0,
      retryBaseDelayMs: 10,
      kvMount: 'secret',
      kvVersion: 2,
      auth: { type: 'token', token: vault.rootToken },
    },
    { logger: mockServices.logger.mock() },
  );
  let db: Knex;

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    server.use(...vaultHandlers(vault, VAULT_URL));
    await root.write('secret/data/example-api/env-file', {
      data: { dotenv: 'API_KEY=first-never-shown' },
    });
    cluster.put(
      CSS_PATH,
      clusterSecretStore({
        name: 'vault-store',
        server: VAULT_URL,
        ready: { status: 'True', reason: 'Valid', message: 'store validated' },
      }),
    );
    // ESO synced after v1 was written
    await new Promise(resolve => setTimeout(resolve, 1100));
    putExternalSecret('example-api-env-file', true);
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    const options = {
      notifications: { pendingRotation: { after: '2s' } },
      externalSecrets: {
        // the backend's own Vault access: KV metadata only, cached briefly for the test
        vault: {
          baseUrl: VAULT_URL,
          auth: { type: 'token', token: vault.rootToken },
        },
        status: { vault: { cacheTtl: '1s' } },
        history: { enabled: false },
      },
    };
    backends.push(await startReplica({ name: 'A', db, sent, ...options }));
    backends.push(await startReplica({ name: 'B', db, sent, ...options }));
  });

  afterAll(async () => {
    await Promise.all(backends.map(b => b.stop()));
    await db?.destroy();
    server.resetHandlers();
    server.close();
    cluster.reset();
  });

  it('tells the owner once, from one of two replicas, when v2 waits past `after`, and once when a sync has read it', async () => {
    await staysAt(sent, 0);

    await root.write('secret/data/example-api/env-file', {
      data: { dotenv: 'API_KEY=rotated-never-shown' },
    });
    await eventually(() => expect(sent).toHaveLength(1), 20_000);
    expect(withoutSender(sent[0])).toEqual({
      recipients: { type: 'entity', entityRef: ['group:default/team-a'] },
      payload: expect.objectContaining({
        title:
          'example-api: ExternalSecret example-api-env-file: Vault has a newer version of example-api/env-file (v2)',
        description: expect.stringMatching(
          /^Vault has a newer version of example-api\/env-file \(v2, written \S+\) that has not reached the cluster: .*"Sync now"/,
        ),
        link: '/catalog/default/component/example-api/secrets',
        severity: 'normal',
        topic: 'external-secrets',
      }),
    });
    await staysAt(sent, 1);

    // ESO reads Vault again
    const syncedAt = new Date().toISOString();
    putExternalSecret('example-api-env-file', true, { refreshTime: syncedAt });
    await eventually(() => expect(sent).toHaveLength(2), 20_000);
    expect(withoutSender(sent[1])).toEqual({
      recipients: { type: 'entity', entityRef: ['group:default/team-a'] },
      payload: expect.objectContaining({
        title:
          'example-api: ExternalSecret example-api-env-file: the new version of example-api/env-file reached the cluster',
        description: expect.stringContaining(
          `ESO synced ExternalSecret example-api/example-api-env-file in cluster prod at ${syncedAt}: its Secret holds Vault v2 of example-api/env-file now.`,
        ),
        severity: 'low',
      }),
    });
    await staysAt(sent, 2);
    expect(JSON.stringify(sent)).not.toContain('never-shown');
  });
});
