import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  clusterSecretStore,
  externalSecret,
  warningEvent,
} from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import { ClaimingEntityIndex } from '../history/ClaimingEntityIndex';
import { EntityStatusService } from '../service/EntityStatusService';
import { FakeClusterCache } from './__testUtils__/FakeClusterCache';
import { FleetIndex } from './FleetIndex';
import { FleetService } from './FleetService';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function component(name: string, owner: string, id = name): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': id },
    },
    spec: { type: 'service', owner, lifecycle: 'production' },
    relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
  };
}

const synced = (at: number) => ({
  ready: { status: 'True', reason: 'SecretSynced', message: 'secret synced' },
  refreshTime: new Date(at).toISOString(),
});
const failing = {
  ready: {
    status: 'False',
    reason: 'SecretSyncedError',
    message: 'could not get secret data from provider',
  },
  refreshTime: new Date(NOW - 600_000).toISOString(),
};

function propertyMissing(namespace: string, name: string) {
  return warningEvent({
    name: `${name}.1`,
    namespace,
    kind: 'ExternalSecret',
    objectName: name,
    objectNamespace: namespace,
    reason: 'UpdateFailed',
    message: `error processing spec.data[0] (key: ${namespace}/env-file), err: cannot find secret data for key: "dotenv"`,
    lastTimestamp: new Date(NOW - 60_000).toISOString(),
  });
}

async function setup() {
  let now = NOW;
  const clock = () => new Date(now);
  const prod = new FakeClusterCache('prod');
  const staging = new FakeClusterCache('staging');
  prod.putStore(
    'ClusterSecretStore',
    clusterSecretStore({
      name: 'vault-store',
      ready: { status: 'True', reason: 'Valid', message: 'store validated' },
    }),
  );
  prod.putStore(
    'ClusterSecretStore',
    clusterSecretStore({
      name: 'old-store',
      role: 'legacy',
      ready: {
        status: 'False',
        reason: 'InvalidProviderConfig',
        message: 'unable to validate store',
      },
    }),
  );
  prod.putExternalSecret(
    externalSecret({
      name: 'example-api-env-file',
      namespace: 'example-api',
      kubernetesId: 'example-api',
      ...synced(NOW - 30_000),
    }) as any,
  );
  prod.putEvent(propertyMissing('example-worker', 'example-worker-config'));
  prod.putExternalSecret(
    externalSecret({
      name: 'example-worker-config',
      namespace: 'example-worker',
      kubernetesId: 'example-worker',
      ...failing,
    }) as any,
  );
  const orphan = externalSecret({
    name: 'legacy-db',
    namespace: 'legacy',
    ...synced(NOW - 30_000),
  }) as any;
  orphan.metadata.labels = { 'app.kubernetes.io/name': 'legacy-db' };
  prod.putExternalSecret(orphan);
  staging.putExternalSecret(
    externalSecret({
      name: 'secret-app-creds',
      namespace: 'secret-app',
      kubernetesId: 'secret-app',
      store: 'old-store',
      ...synced(NOW - 30_000),
    }) as any,
  );

  const catalog = catalogServiceMock({
    entities: [
      component('example-api', 'payments-team'),
      component('example-worker', 'payments-team'),
      component('secret-app', 'security-team'),
      // no annotation: claims nothing
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'plain', namespace: 'default' },
        spec: { owner: 'nobody' },
      },
    ],
  });
  const claims = new ClaimingEntityIndex({
    catalog,
    auth: mockServices.auth(),
    logger: mockServices.logger.mock(),
  });
  await claims.refresh();
  const clusters = [prod.asCache(), staging.asCache()];
  const rows = new EntityStatusService({ clusters, now: clock });
  const index = new FleetIndex({
    clusters,
    statusOf: (cluster, object) => rows.statusOf(cluster, object),
    logger: mockServices.logger.mock(),
    now: clock,
  });
  index.start();
  await index.settled();
  const fleet = new FleetService({ index, claims, clusters, now: clock });
  return {
    prod,
    staging,
    index,
    fleet,
    claims,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The caller may see every entity but secret-app. */
const visible = new Set([
  'component:default/example-api',
  'component:default/example-worker',
]);

describe('FleetService', () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    env = await setup();
  });
  afterEach(async () => {
    await env.index.stop();
  });

  it('lists every ExternalSecret with owner, state, first finding and last sync; orphans with their labels; unseen owners withheld', () => {
    const page = env.fleet.externalSecrets({}, visible);
    expect(page.counts).toEqual({
      total: 4,
      byState: {
        Synced: 3,
        PendingRotation: 0,
        Error: 1,
        Stale: 0,
        Pending: 0,
        Unknown: 0,
      },
      byClaim: { claimed: 2, hidden: 1, unclaimed: 1 },
    });
    expect(page.pending).toBe(0);
    // worst first
    expect(
      page.items.map(i => `${i.cluster}/${i.namespace}/${i.name}`),
    ).toEqual([
      'prod/example-worker/example-worker-config',
      'prod/example-api/example-api-env-file',
      'prod/legacy/legacy-db',
      'staging/secret-app/secret-app-creds',
    ]);
    expect(page.items[0]).toMatchObject({
      state: 'Error',
      reason: 'SecretSyncedError',
      finding: { code: 'PROPERTY_MISSING', severity: 'error' },
      lastSyncTime: failing.refreshTime,
      store: { kind: 'ClusterSecretStore', name: 'vault-store' },
      claim: {
        status: 'claimed',
        entityRef: 'component:default/example-worker',
        ownerRef: 'group:default/payments-team',
      },
    });
    expect(page.items[0].finding?.summary).toMatch(/dotenv/);
    expect(page.items[2]).toMatchObject({
      claim: { status: 'unclaimed' },
      labels: { 'app.kubernetes.io/name': 'legacy-db' },
    });
    // claimed by an entity the caller may not see: listed, but neither entity nor owner named
    expect(page.items[3].claim).toEqual({ status: 'hidden' });
    expect(JSON.stringify(page)).not.toContain('component:default/secret-app');
    expect(JSON.stringify(page)).not.toContain('security-team');
    expect(page.facets.owners).toEqual([
      { value: 'group:default/payments-team', count: 2 },
    ]);
    // staging has no old-store: the row says so even though ESO last reported it synced
    expect(page.items[3].finding?.code).toBe('STORE_MISSING');
    expect(page.facets.findings).toEqual([
      { value: 'PROPERTY_MISSING', count: 1 },
      { value: 'STORE_MISSING', count: 1 },
    ]);
    expect(page.facets.clusters).toEqual([
      { value: 'prod', count: 3 },
      { value: 'staging', count: 1 },
    ]);
  });

  it('withholds every entity name when visibility is unknown', () => {
    const page = env.fleet.externalSecrets({}, undefined);
    expect(page.counts.byClaim).toEqual({
      claimed: 0,
      hidden: 3,
      unclaimed: 1,
    });
    expect(JSON.stringify(page.items)).not.toContain('component:');
  });

  it('filters by cluster, namespace, state, finding, owner, claim and text, counting the matches', () => {
    const names = (query: Parameters<FleetService['externalSecrets']>[0]) =>
      env.fleet.externalSecrets(query, visible).items.map(i => i.name);
    expect(names({ cluster: ['staging'] })).toEqual(['secret-app-creds']);
    expect(names({ namespace: ['legacy', 'example-api'] })).toEqual([
      'example-api-env-file',
      'legacy-db',
    ]);
    expect(names({ state: ['Error'] })).toEqual(['example-worker-config']);
    expect(names({ finding: ['PROPERTY_MISSING'] })).toEqual([
      'example-worker-config',
    ]);
    expect(names({ finding: ['none'] })).toEqual([
      'example-api-env-file',
      'legacy-db',
    ]);
    expect(names({ owner: ['group:default/payments-team'] })).toEqual([
      'example-worker-config',
      'example-api-env-file',
    ]);
    // the hidden entity's owner never matches, not even by its exact ref
    expect(names({ owner: ['group:default/security-team'] })).toEqual([]);
    expect(names({ claim: ['unclaimed'] })).toEqual(['legacy-db']);
    expect(names({ search: 'APP.KUBERNETES.IO/NAME=legacy' })).toEqual([
      'legacy-db',
    ]);
    const page = env.fleet.externalSecrets(
      { cluster: ['prod'], state: ['Synced'] },
      visible,
    );
    expect(page.matching.total).toBe(2);
    expect(page.counts.total).toBe(4);
  });

  it('sorts on every key and pages on the server', () => {
    const names = (query: Parameters<FleetService['externalSecrets']>[0]) =>
      env.fleet.externalSecrets(query, visible).items.map(i => i.name);
    expect(names({ sort: 'name', order: 'desc' })).toEqual([
      'secret-app-creds',
      'legacy-db',
      'example-worker-config',
      'example-api-env-file',
    ]);
    // rows without an owner come last whichever the order
    expect(names({ sort: 'owner', order: 'desc' }).slice(2).sort()).toEqual([
      'legacy-db',
      'secret-app-creds',
    ]);
    expect(names({ sort: 'finding' })[0]).toBe('example-worker-config');
    expect(names({ sort: 'lastSync', order: 'asc' })[0]).toBe(
      'example-worker-config',
    );
    const second = env.fleet.externalSecrets(
      { sort: 'name', offset: 1, limit: 2 },
      visible,
    );
    expect(second.items.map(i => i.name)).toEqual([
      'example-worker-config',
      'legacy-db',
    ]);
    expect(second).toMatchObject({ offset: 1, limit: 2 });
    expect(second.matching.total).toBe(4);
    expect(env.fleet.externalSecrets({ limit: 10_000 }, visible).limit).toBe(
      500,
    );
  });

  it('follows the caches: a failure, a store change, a deletion and time making a sync stale', async () => {
    env.prod.putEvent(propertyMissing('example-api', 'example-api-env-file'));
    env.prod.putExternalSecret(
      externalSecret({
        name: 'example-api-env-file',
        namespace: 'example-api',
        kubernetesId: 'example-api',
        ...failing,
      }) as any,
    );
    await env.index.settled();
    const api = () =>
      env.fleet
        .externalSecrets({ namespace: ['example-api'] }, visible)
        .items.at(0);
    expect(api()).toMatchObject({
      state: 'Error',
      finding: { code: 'PROPERTY_MISSING' },
    });

    // the store breaks: its dependents are recomputed without a change of their own
    env.prod.putEvent(
      warningEvent({
        name: 'vault-store.1',
        namespace: 'default',
        kind: 'ClusterSecretStore',
        objectName: 'vault-store',
        reason: 'InvalidProviderConfig',
        message:
          'unable to create client: cannot set Vault CA certificate: failed to parse the CA bundle',
        lastTimestamp: new Date(NOW).toISOString(),
      }),
    );
    env.prod.putStore(
      'ClusterSecretStore',
      clusterSecretStore({
        name: 'vault-store',
        ready: {
          status: 'False',
          reason: 'InvalidProviderConfig',
          message: 'unable to validate store',
        },
      }),
    );
    await env.index.settled();
    const legacy = env.fleet
      .externalSecrets({ namespace: ['legacy'] }, visible)
      .items.at(0);
    expect(legacy?.finding).toMatchObject({
      code: 'VAULT_CA_UNTRUSTED',
      summary: expect.stringContaining('vault-store'),
    });

    env.prod.removeExternalSecret('example-api', 'example-api-env-file');
    await env.index.settled();
    expect(api()).toBeUndefined();

    // two refresh intervals (2m) later with no sync: Stale, found by the sweep
    env.advance(10 * 60_000);
    env.index.sweep();
    await env.index.settled();
    expect(
      env.fleet.externalSecrets({ cluster: ['staging'] }, visible).items[0]
        .state,
    ).toBe('Stale');
  });

  it('shows the rows of an unreachable cluster as Unknown, with the last known state', async () => {
    env.staging.down();
    const row = env.fleet.externalSecrets({ cluster: ['staging'] }, visible)
      .items[0];
    expect(row).toMatchObject({
      state: 'Unknown',
      reason: 'ClusterUnreachable',
      finding: { code: 'CLUSTER_UNREACHABLE' },
    });
    expect(row.finding?.summary).toContain('last known state (Synced)');
    env.staging.up();
    env.index.sweep();
    await env.index.settled();
    expect(
      env.fleet.externalSecrets({ cluster: ['staging'] }, visible).items[0]
        .state,
    ).toBe('Synced');
  });

  it('lists every store with readiness, Vault server, mount, role and its dependents, failing first', () => {
    const page = env.fleet.stores({});
    expect(page.total).toBe(2);
    expect(page.notReady).toBe(1);
    expect(page.items).toEqual([
      expect.objectContaining({
        cluster: 'prod',
        kind: 'ClusterSecretStore',
        name: 'old-store',
        ready: false,
        reason: 'InvalidProviderConfig',
        provider: 'vault',
        vault: expect.objectContaining({ role: 'legacy' }),
        // secret-app uses an old-store too, but in another cluster
        externalSecrets: 0,
        failing: 0,
      }),
      expect.objectContaining({
        name: 'vault-store',
        ready: true,
        vault: {
          server: 'https://vault.example.test:8200',
          path: 'secret',
          version: 'v2',
          authMountPath: 'kubernetes',
          role: 'external-secrets-example-api',
        },
        externalSecrets: 3,
        failing: 1,
      }),
    ]);
    expect(env.fleet.stores({ ready: true }).items.map(s => s.name)).toEqual([
      'vault-store',
    ]);
    expect(env.fleet.stores({ search: 'LEGACY' }).items).toHaveLength(1);
  });
});
