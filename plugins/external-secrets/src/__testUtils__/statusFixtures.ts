import {
  countStates,
  worstState,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterExternalSecretStatus,
  ClusterStatus,
  EntityExternalSecretsStatus,
  ExternalSecretStatus,
  PushSecretStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { Entity } from '@backstage/catalog-model';

/** Test data shaped like the status backend's answers; no values, only names. */

export const annotatedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'payments-team' },
};

export const unannotatedEntity: Entity = {
  ...annotatedEntity,
  metadata: { name: 'legacy-service', namespace: 'default' },
};

export const ENTITY_REF = 'component:default/example-api';
export const STATUS_PATH =
  'http://localhost:7007/api/external-secrets/entities/default/component/example-api/status';
export const REFRESH_PATH =
  'http://localhost:7007/api/external-secrets/entities/default/component/example-api/refresh';

export function healthyExternalSecret(
  overrides: Partial<ExternalSecretStatus> = {},
): ExternalSecretStatus {
  return {
    cluster: 'dev',
    namespace: 'example-api',
    name: 'example-api-env-file',
    state: 'Synced',
    reason: 'SecretSynced',
    message: 'secret synced',
    lastSyncTime: '2026-11-28T04:00:00Z',
    refreshInterval: '2m',
    stale: false,
    store: {
      kind: 'ClusterSecretStore',
      name: 'vault-example-api',
      found: true,
      ready: true,
      vault: {
        server: 'https://vault.example.test:8200',
        path: 'secret',
        version: 'v2',
        authMountPath: 'kubernetes',
        role: 'external-secrets-example-api',
        serviceAccount: {
          name: 'external-secrets',
          namespace: 'external-secrets',
        },
      },
    },
    target: { name: 'example-api-env-file', exists: true, keys: ['.env'] },
    remoteRefs: [
      {
        secretKey: '.env',
        key: 'example-api/env-file',
        property: 'dotenv',
        vaultPath: 'secret/data/example-api/env-file',
      },
    ],
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'SecretSynced',
        message: 'secret synced',
        lastTransitionTime: '2026-11-28T04:00:00Z',
      },
    ],
    findings: [],
    ...overrides,
  };
}

export function failingExternalSecret(
  overrides: Partial<ExternalSecretStatus> = {},
): ExternalSecretStatus {
  return healthyExternalSecret({
    name: 'example-api-config',
    state: 'Error',
    reason: 'SecretSyncedError',
    message:
      'error processing spec.data[0] (key: example-api/config), err: cannot find secret data for key: "example-api/config" property: "config.json"',
    lastSyncTime: undefined,
    target: { name: 'example-api-config', exists: false, keys: [] },
    remoteRefs: [
      {
        secretKey: 'config.json',
        key: 'example-api/config',
        property: 'config.json',
        vaultPath: 'secret/data/example-api/config',
      },
    ],
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'SecretSyncedError',
        message: 'could not get secret data from provider',
      },
    ],
    findings: [
      {
        code: 'PROPERTY_MISSING',
        severity: 'error',
        summary:
          'Vault secret example-api/config has no property "config.json"',
        fix: 'Add the property with `vault kv patch secret/example-api/config config.json=@config.json`, or correct remoteRef.property',
        evidence: { vaultPath: 'secret/data/example-api/config' },
      },
    ],
    ...overrides,
  });
}

const reachable = (name: string): ClusterStatus => ({
  name,
  reachable: true,
  synced: true,
  lastSyncTime: '2026-11-28T04:00:00Z',
});

export function entityStatus(
  externalSecrets: ExternalSecretStatus[],
  clusters: ClusterStatus[] = [reachable('dev')],
): EntityExternalSecretsStatus {
  const states = externalSecrets.map(es => es.state);
  return {
    entityRef: ENTITY_REF,
    generatedAt: '2026-11-28T04:01:00Z',
    overall: worstState(states),
    counts: countStates(states),
    clusters,
    externalSecrets,
  };
}

export const unreachableCluster: ClusterStatus = {
  name: 'prod',
  reachable: false,
  synced: false,
  error: 'connect ECONNREFUSED 10.0.0.1:6443',
};

/** A healthy row whose Vault key has a version written after its last sync. */
export function pendingRotationExternalSecret(
  overrides: Partial<ExternalSecretStatus> = {},
): ExternalSecretStatus {
  const summary =
    'Vault v7 of example-api/env-file written 2026-11-28T04:02:00.000Z, after the last sync at 2026-11-28T04:00:00.000Z; next sync by 2026-11-28T04:02:00.000Z (refreshInterval 2m).';
  return healthyExternalSecret({
    state: 'PendingRotation',
    reason: 'NewVersionInVault',
    message: summary,
    freshness: {
      state: 'PendingRotation',
      lastSyncTime: '2026-11-28T04:00:00.000Z',
      nextSyncBy: '2026-11-28T04:02:00.000Z',
      summary,
      keys: [
        {
          key: 'example-api/env-file',
          state: 'PendingRotation',
          kvVersion: 2,
          currentVersion: 7,
          writtenAt: '2026-11-28T04:02:00.000Z',
          summary,
        },
      ],
    },
    ...overrides,
  });
}

/** A synced row whose target Secret changed after one of its two consumers started. */
export function restartNeededExternalSecret(
  overrides: Partial<ExternalSecretStatus> = {},
): ExternalSecretStatus {
  return healthyExternalSecret({
    consumers: {
      secret: 'example-api-env-file',
      lastDataChange: '2026-11-28T04:00:00.000Z',
      restartNeeded: 1,
      summary: '1 workload needs a restart',
      workloads: [
        {
          kind: 'Deployment',
          name: 'example-api',
          namespace: 'example-api',
          uses: ['env'],
          containers: ['api'],
          verdict: 'RestartNeeded',
          pods: [
            {
              name: 'example-api-5d8f9-x1',
              startTime: '2026-11-28T03:00:00.000Z',
              verdict: 'RestartNeeded',
            },
          ],
          summary:
            'restart needed to pick up the new value (it reads the Secret at start, through env or subPath, and started before the last change)',
        },
        {
          kind: 'Deployment',
          name: 'example-api-files',
          namespace: 'example-api',
          uses: ['volume'],
          containers: ['files'],
          verdict: 'UpdatesInPlace',
          pods: [
            {
              name: 'example-api-files-7c9d-y1',
              startTime: '2026-11-28T03:00:00.000Z',
              verdict: 'UpdatesInPlace',
            },
          ],
          summary: 'updates within about a minute (kubelet sync)',
        },
      ],
    },
    ...overrides,
  });
}

/** A PushSecret whose policy lacks write on the pushed path, as diagnosis names it. */
export function failingPushSecret(
  overrides: Partial<PushSecretStatus> = {},
): PushSecretStatus {
  return {
    cluster: 'dev',
    namespace: 'example-api',
    name: 'example-api-push',
    state: 'Error',
    reason: 'Errored',
    message:
      'set secret failed: could not write remote ref dotenv to target secretstore vault-example-api: Error making API request. Code: 403',
    refreshInterval: '1h',
    updatePolicy: 'Replace',
    deletionPolicy: 'Delete',
    sourceSecret: 'example-api-generated',
    stores: [{ kind: 'ClusterSecretStore', name: 'vault-example-api' }],
    pushed: [
      {
        store: 'ClusterSecretStore/vault-example-api',
        remoteKey: 'example-api/generated',
      },
    ],
    conditions: [],
    findings: [
      {
        code: 'PUSH_POLICY_DENIES',
        severity: 'error',
        summary:
          'Vault denied the push of PushSecret example-api/example-api-push through store vault-example-api: the store role\'s policies lack "create" and "update" on secret/data/example-api/generated.',
        fix: 'Grant the store\'s Vault role "create" and "update" on secret/data/example-api/generated in its policy.',
        evidence: {},
      },
    ],
    ...overrides,
  };
}

/** A ClusterExternalSecret that could not provision one namespace. */
export function conflictingClusterExternalSecret(
  overrides: Partial<ClusterExternalSecretStatus> = {},
): ClusterExternalSecretStatus {
  return {
    cluster: 'dev',
    name: 'shared-db',
    state: 'Error',
    message: 'one or more namespaces failed',
    externalSecretName: 'shared-db',
    provisionedNamespaces: ['example-api'],
    failedNamespaces: [
      {
        namespace: 'team-b',
        reason: 'external secret already exists in namespace',
      },
    ],
    failingExternalSecrets: [],
    conditions: [],
    findings: [
      {
        code: 'CES_EXTERNAL_SECRET_CONFLICT',
        severity: 'error',
        summary:
          'ClusterExternalSecret shared-db cannot create ExternalSecret "shared-db" in team-b: an ExternalSecret of that name already exists there and is not owned by it.',
        fix: 'Delete or rename the existing ExternalSecret, or set spec.externalSecretName to a name that is free.',
        evidence: {},
      },
    ],
    ...overrides,
  };
}
