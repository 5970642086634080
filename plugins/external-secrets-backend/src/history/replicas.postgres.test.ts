import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createBackend } from '@backstage/backend-defaults';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import signalsPlugin from '@backstage/plugin-signals-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  notificationService,
  type NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
import type { EntityExternalSecretsStatus } from '@gitops-secrets/plugin-external-secrets-common';
// The node package's test helpers are not part of its public API; tests may reach them.
import { eventually } from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import knexFactory, { type Knex } from 'knex';
import { Sandbox } from 'sandbox/server';
import WebSocket from 'ws';
import {
  findPostgres,
  startPostgres,
  type PostgresCluster,
} from '../__testUtils__/postgres';
import { externalSecretsPlugin } from '../plugin';

/*
 * Two backend replicas on one real PostgreSQL and one sandbox (Vault, Kubernetes with the ESO
 * simulation), as production runs them behind a load balancer: each replica has its own caches
 * and answers alone; the database, the scheduler's locks and the events bus (PostgreSQL
 * LISTEN/NOTIFY in @backstage/plugin-events-backend) are shared.
 */

jest.setTimeout(300_000);

const found = findPostgres();
const describeWithPostgres = 'missing' in found ? describe.skip : describe;
if ('missing' in found) {
  // eslint-disable-next-line no-console
  console.warn(`two replicas on PostgreSQL: skipped, ${found.missing}`);
}

const entities: Entity[] = ['example-api', 'example-worker'].map(name => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': name },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
}));
const statusPath = (name: string) =>
  `/api/external-secrets/entities/default/component/${name}/status`;
const API_ES = 'example-api-env-file';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Replica {
  name: string;
  url: string;
  stop(): Promise<void>;
}

describeWithPostgres(
  'two backend replicas on PostgreSQL (skipped where PostgreSQL is not installed)',
  () => {
    let postgres: PostgresCluster;
    let sandbox: Sandbox;
    let sandboxDir: string;
    let history: Knex;
    const replicas: Replica[] = [];
    /** what every replica sent through its notifications service, in order */
    const sent: Array<NotificationSendOptions & { by: string }> = [];
    const titles = () => sent.map(n => n.payload.title);

    async function startReplica(name: string): Promise<Replica> {
      const port = await freePort();
      const files = sandbox.info.files;
      // Real backend services (database, scheduler, HTTP, discovery, events) as a production
      // backend has them; mock identities only, so the test can act as a user.
      const backend = createBackend();
      for (const feature of [
        externalSecretsPlugin,
        eventsPlugin,
        signalsPlugin,
        eventsServiceFactory,
        mockServices.auth.factory(),
        mockServices.httpAuth.factory(),
        mockServices.userInfo.factory(),
        mockServices.rootLogger.factory(),
        catalogServiceMock.factory({ entities }),
        // the notifications backend stands aside: what each replica sends is recorded
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({
            send: async (notification: NotificationSendOptions) => {
              sent.push({ ...notification, by: name });
            },
          }),
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: `http://127.0.0.1:${port}`,
              listen: { host: '127.0.0.1', port },
              database: { client: 'pg', connection: postgres.connection },
            },
            externalSecrets: {
              clusters: [
                {
                  name: 'sandbox',
                  url: sandbox.info.kubernetesUrl,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: fs
                    .readFileSync(files.kubeToken, 'utf8')
                    .trim(),
                  caFile: files.kubeCa,
                },
              ],
              vault: {
                baseUrl: sandbox.info.vaultUrl,
                caFile: files.vaultCa,
                kvMount: 'secret',
                kvVersion: 2,
                auth: {
                  type: 'token',
                  token: fs.readFileSync(files.vaultToken, 'utf8').trim(),
                },
              },
              notifications: { gracePeriod: '1s', checkInterval: '1s' },
            },
          },
        }),
      ]) {
        backend.add(feature);
      }
      await backend.start();
      const replica = {
        name,
        url: `http://127.0.0.1:${port}`,
        stop: () => backend.stop(),
      };
      replicas.push(replica);
      return replica;
    }

    async function status(
      replica: Replica,
      entity = 'example-api',
    ): Promise<EntityExternalSecretsStatus> {
      const response = await fetch(`${replica.url}${statusPath(entity)}`, {
        headers: { Authorization: mockCredentials.user.header() },
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as EntityExternalSecretsStatus;
    }

    /** The row as both replicas must agree on it (times of the answer itself left out). */
    const comparable = (s: EntityExternalSecretsStatus) =>
      s.externalSecrets.map(row => ({
        cluster: row.cluster,
        name: row.name,
        state: row.state,
        reason: row.reason,
        findings: row.findings.map(f => f.code),
        transitions: row.transitions,
      }));

    const rowsOf = (name: string, to?: string) =>
      history('external_secret_transitions')
        .where({ name, ...(to ? { to_state: to } : {}) })
        .orderBy('id')
        .select();

    /** The count must hold for a while: the other replica's write (a no-op) is in by then. */
    async function staysAt(name: string, to: string, expected: number) {
      for (let i = 0; i < 15; i++) {
        expect(await rowsOf(name, to)).toHaveLength(expected);
        await new Promise(resolve => setTimeout(resolve, 200));
      }
    }

    beforeAll(async () => {
      if ('missing' in found) return;
      postgres = await startPostgres(found);
      sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-replicas-'));
      sandbox = await Sandbox.start({
        outputDir: sandboxDir,
        ports: { vault: 0, kubernetes: 0, github: 0, admin: 0 },
      });
      // one after the other: the first creates the plugin databases
      await startReplica('A');
      await startReplica('B');
      history = knexFactory({
        client: 'pg',
        connection: {
          ...postgres.connection,
          database: 'backstage_plugin_external-secrets',
        },
        pool: { min: 0, max: 2 },
      });
    });

    afterAll(async () => {
      await Promise.allSettled(replicas.map(r => r.stop()));
      await history?.destroy();
      await sandbox?.stop();
      if (sandboxDir) fs.rmSync(sandboxDir, { recursive: true, force: true });
      await postgres?.stop();
    });

    it('both replicas answer the same status, and the first state is stored once', async () => {
      const [a, b] = replicas;
      const answers = await eventually(async () => {
        const [fromA, fromB] = await Promise.all([status(a), status(b)]);
        expect(fromA.externalSecrets[0]).toMatchObject({
          name: API_ES,
          state: 'Synced',
          transitions: [{ to: 'Synced' }],
        });
        expect(comparable(fromB)).toEqual(comparable(fromA));
        return { fromA, fromB };
      }, 120_000);
      expect(answers.fromA.externalSecrets[0].lastHealthyAt).toBe(
        answers.fromA.generatedAt,
      );
      await staysAt(API_ES, 'Synced', 1);
    });

    it('a client connected to replica B gets the live update of a change that replica A follows, and "Sync now" through A works', async () => {
      const [a, b] = replicas;
      // only A serves example-worker, so only A publishes its signals
      await eventually(async () => {
        const s = await status(a, 'example-worker');
        expect(s.externalSecrets).toHaveLength(1);
      }, 60_000);
      const channel = 'external-secrets:component:default/example-worker';
      const socket = new WebSocket(
        `${b.url.replace('http', 'ws')}/api/signals`,
        {
          headers: { Authorization: mockCredentials.user.header() },
        },
      );
      const messages: unknown[] = [];
      socket.on('message', data => messages.push(JSON.parse(String(data))));
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve());
          socket.once('error', reject);
        });
        socket.send(JSON.stringify({ action: 'subscribe', channel }));
        // the subscription is processed before the next message from this socket's peer
        await new Promise(resolve => setTimeout(resolve, 500));

        const requestedAt = await eventually(async () => {
          const response = await fetch(
            `${a.url}/api/external-secrets/entities/default/component/example-worker/refresh`,
            {
              method: 'POST',
              headers: {
                Authorization: mockCredentials.user.header(),
                'Content-Type': 'application/json',
              },
              body: JSON.stringify({
                cluster: 'sandbox',
                namespace: 'example-worker',
                name: 'example-worker-config-file',
              }),
            },
          );
          expect(response.status).toBe(202);
          return ((await response.json()) as { requestedAt: string })
            .requestedAt;
        });
        const object = sandbox.cluster.objects.get(
          sandbox.cluster.type('externalsecrets'),
          'example-worker',
          'example-worker-config-file',
        );
        expect(object.metadata.annotations?.['force-sync']).toBe(requestedAt);

        await eventually(() =>
          expect(messages).toContainEqual({
            channel,
            message: {
              entityRef: 'component:default/example-worker',
              type: 'status-changed',
            },
          }),
        );
      } finally {
        socket.close();
      }
    });

    it('a change observed by both replicas is stored once and notified once; with one replica stopped the other serves, records and notifies the recovery, and a restart adds nothing twice', async () => {
      const [a, b] = replicas;
      await sandbox.faults.inject('policy-edit', 'example-api');
      for (const replica of [a, b]) {
        await eventually(async () => {
          const row = (await status(replica)).externalSecrets[0];
          expect(row.state).toBe('Error');
          expect(row.transitions?.[0]).toMatchObject({
            from: 'Synced',
            to: 'Error',
          });
        }, 60_000);
      }
      await staysAt(API_ES, 'Error', 1);
      const [broke] = await rowsOf(API_ES, 'Error');
      expect(broke.entity_ref).toBe('component:default/example-api');
      expect(broke.finding_code).toBe('POLICY_MISSING_KV2_DATA_PATH');
      // both replicas evaluate the failure past its grace period: the owner hears of it once
      const stoppedSyncing = `example-api: ExternalSecret ${API_ES} stopped syncing`;
      await eventually(
        () => expect(titles()).toEqual([stoppedSyncing]),
        30_000,
      );
      expect(sent[0]).toMatchObject({
        recipients: { type: 'entity', entityRef: ['group:default/team-a'] },
        payload: {
          link: '/catalog/default/component/example-api/secrets',
          severity: 'high',
        },
      });
      expect(sent[0].payload.description).toContain('Fix: ');
      await new Promise(resolve => setTimeout(resolve, 3000));
      expect(titles()).toEqual([stoppedSyncing]);

      // replica A goes away; B keeps serving and records the recovery alone
      await a.stop();
      replicas.splice(replicas.indexOf(a), 1);
      await sandbox.faults.clear('policy-edit');
      await eventually(async () => {
        const row = (await status(b)).externalSecrets[0];
        expect(row.state).toBe('Synced');
        expect(row.transitions?.[0]).toMatchObject({
          from: 'Error',
          to: 'Synced',
        });
      }, 60_000);
      expect(
        (await rowsOf(API_ES)).map(r => `${r.from_state ?? '∅'}→${r.to_state}`),
      ).toEqual(['∅→Synced', 'Synced→Error', 'Error→Synced']);
      const syncsAgain = `example-api: ExternalSecret ${API_ES} syncs again`;
      await eventually(
        () => expect(titles()).toEqual([stoppedSyncing, syncsAgain]),
        30_000,
      );
      expect(sent[1].by).toBe('B');

      // A comes back: it compares the cluster with the stored history and finds nothing new
      const again = await startReplica('A again');
      await eventually(async () => {
        const row = (await status(again)).externalSecrets[0];
        expect(row).toMatchObject({ state: 'Synced' });
        expect(comparable(await status(again))).toEqual(
          comparable(await status(b)),
        );
      }, 120_000);
      await staysAt(API_ES, 'Synced', 2);
      expect(await rowsOf(API_ES)).toHaveLength(3);
      expect(titles()).toEqual([stoppedSyncing, syncsAgain]);
    });
  },
);
