import type { Entity } from '@backstage/catalog-model';
import type {
  ClusterCache,
  ClusterExternalSecretObject,
  EventObject,
  ExternalSecretObject,
  PushSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { parseLabelSelector } from '@gitops-secrets/plugin-external-secrets-node';
import { EntityStatusService } from './EntityStatusService';

const NOW = new Date('2026-01-01T12:00:00Z');
const LABEL = { 'backstage.io/kubernetes-id': 'example-api' };

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
  spec: {},
};

const store: SecretStoreObject = {
  kind: 'ClusterSecretStore',
  metadata: { name: 'vault-example-api' },
  spec: {
    provider: {
      vault: {
        server: 'https://vault.example.test:8200',
        path: 'secret',
        version: 'v2',
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'example-api' } },
      },
    },
  },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid' }] },
};

const failingPush: PushSecretObject = {
  metadata: {
    namespace: 'example-api',
    name: 'push-env',
    labels: LABEL,
    generation: 1,
  },
  spec: {
    refreshInterval: '1h',
    deletionPolicy: 'Delete',
    secretStoreRefs: [
      { kind: 'ClusterSecretStore', name: 'vault-example-api' },
    ],
    selector: { secret: { name: 'env-source' } },
    data: [
      {
        match: {
          secretKey: 'dotenv',
          remoteRef: { remoteKey: 'example-api/env-file' },
        },
      },
    ],
  },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Errored',
        message: 'could not get source secret',
      },
    ],
    syncedPushSecrets: {
      'ClusterSecretStore/vault-example-api': {
        'example-api/env-file': {
          match: {
            secretKey: 'dotenv',
            remoteRef: { remoteKey: 'example-api/env-file' },
          },
        },
      },
    },
  },
};

const otherTeamsPush: PushSecretObject = {
  metadata: {
    namespace: 'billing',
    name: 'push-billing',
    labels: { 'backstage.io/kubernetes-id': 'billing' },
  },
  spec: {},
};

const ces: ClusterExternalSecretObject = {
  metadata: { name: 'shared-db' },
  spec: {
    externalSecretName: 'shared-db',
    namespaces: ['example-api', 'team-b'],
  },
  status: {
    externalSecretName: 'shared-db',
    provisionedNamespaces: ['example-api', 'team-b'],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};

const owner = [
  {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterExternalSecret',
    name: 'shared-db',
    uid: 'u1',
    controller: true,
  },
];

function child(
  namespace: string,
  labels?: Record<string, string>,
): ExternalSecretObject {
  return {
    metadata: {
      namespace,
      name: 'shared-db',
      labels,
      ownerReferences: owner,
      generation: 1,
    },
    spec: {
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      data: [
        {
          secretKey: 'password',
          remoteRef: { key: 'shared/db', property: 'password' },
        },
      ],
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'SecretSyncedError',
          message: 'could not get secret data from provider',
          lastTransitionTime: '2026-01-01T11:00:00Z',
        },
      ],
    },
  };
}

/** The entity's own row (labelled) and a sibling in another team's namespace, not labelled. */
const externalSecrets = [child('example-api', LABEL), child('team-b')];

const events: EventObject[] = externalSecrets.map(es => ({
  involvedObject: {
    kind: 'ExternalSecret',
    namespace: es.metadata!.namespace,
    name: 'shared-db',
  },
  type: 'Warning',
  reason: 'UpdateFailed',
  message:
    'error processing spec.data[0] (key: shared/db), err: cannot find secret data for key: "password"',
  lastTimestamp: '2026-01-01T11:30:00Z',
}));

function cluster(): ClusterCache {
  return {
    name: 'sandbox',
    config: { name: 'sandbox', url: 'https://k8s.test:6443' },
    health: () => ({ name: 'sandbox', reachable: true, synced: true }),
    findExternalSecrets: (selector: ReturnType<typeof parseLabelSelector>) =>
      externalSecrets.filter(o => selector.matches(o.metadata?.labels)),
    getExternalSecret: (namespace: string, name: string) =>
      externalSecrets.find(
        o => o.metadata?.namespace === namespace && o.metadata?.name === name,
      ),
    findPushSecrets: (selector: ReturnType<typeof parseLabelSelector>) =>
      [failingPush, otherTeamsPush].filter(o =>
        selector.matches(o.metadata?.labels),
      ),
    listClusterExternalSecrets: () => [ces],
    getClusterExternalSecret: (name: string) =>
      name === 'shared-db' ? ces : undefined,
    getStore: () => store,
    eventsFor: (kind: string, namespace: string | undefined, name: string) =>
      events.filter(
        e =>
          e.involvedObject?.kind === kind &&
          e.involvedObject?.namespace === namespace &&
          e.involvedObject?.name === name,
      ),
    podsHealth: () => ({ watched: false, listed: false }),
    podsUsing: () => [],
  } as unknown as ClusterCache;
}

describe('EntityStatusService: PushSecrets and ClusterExternalSecrets', () => {
  it("shows the entity's PushSecrets with state, policies, what was pushed and the finding", async () => {
    const status = await new EntityStatusService({
      clusters: [cluster()],
      now: () => NOW,
    }).getStatus(entity);
    expect(status.pushSecrets).toHaveLength(1);
    const [row] = status.pushSecrets!;
    expect(row).toMatchObject({
      namespace: 'example-api',
      name: 'push-env',
      state: 'Error',
      deletionPolicy: 'Delete',
      updatePolicy: 'Replace',
      sourceSecret: 'env-source',
      stores: [{ kind: 'ClusterSecretStore', name: 'vault-example-api' }],
      pushed: [
        {
          store: 'ClusterSecretStore/vault-example-api',
          remoteKey: 'example-api/env-file',
        },
      ],
    });
    expect(row.findings[0].code).toBe('PUSH_SOURCE_SECRET_MISSING');
    // PushSecrets do not change the ExternalSecret counts
    expect(status.counts.Error).toBe(1);
  });

  it('shows the ClusterExternalSecret owning an entity row, with every provisioned ExternalSecret that fails', async () => {
    const status = await new EntityStatusService({
      clusters: [cluster()],
      now: () => NOW,
    }).getStatus(entity);
    expect(status.clusterExternalSecrets).toHaveLength(1);
    const [row] = status.clusterExternalSecrets!;
    expect(row).toMatchObject({
      name: 'shared-db',
      state: 'Synced',
      provisionedNamespaces: ['example-api', 'team-b'],
      failingExternalSecrets: [
        {
          namespace: 'example-api',
          name: 'shared-db',
          state: 'Error',
          findingCode: 'PROPERTY_MISSING',
        },
        {
          namespace: 'team-b',
          name: 'shared-db',
          state: 'Error',
          findingCode: 'PROPERTY_MISSING',
        },
      ],
    });
    expect(row.findings.map(f => f.code)).toEqual([
      'CES_EXTERNAL_SECRET_FAILING',
      'CES_EXTERNAL_SECRET_FAILING',
    ]);
    // the sibling in team-b is a child of the CES, not a row of the entity
    expect(status.externalSecrets.map(r => r.namespace)).toEqual([
      'example-api',
    ]);
  });

  it('answers without the new kinds when the cache cannot give them (an older cache, a failing list)', async () => {
    const old = cluster() as unknown as Record<string, unknown>;
    delete old.findPushSecrets;
    delete old.listClusterExternalSecrets;
    const status = await new EntityStatusService({
      clusters: [old as unknown as ClusterCache],
      now: () => NOW,
    }).getStatus(entity);
    expect(status.externalSecrets).toHaveLength(1);
    expect(status.pushSecrets).toBeUndefined();
    // the owner found through the ExternalSecret is still shown
    expect(status.clusterExternalSecrets?.[0].name).toBe('shared-db');
  });
});
