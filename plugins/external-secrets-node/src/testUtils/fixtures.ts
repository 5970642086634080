/** Minimal ESO objects for cache and status tests (no secret values anywhere). */

/**
 * API path of ESO ExternalSecrets, for fake API servers in tests.
 *
 * @public
 */
export const ES_PATH = '/apis/external-secrets.io/v1/externalsecrets';
/**
 * API path of ESO ClusterSecretStores, for fake API servers in tests.
 *
 * @public
 */
export const CSS_PATH = '/apis/external-secrets.io/v1/clustersecretstores';
/**
 * API path of ESO SecretStores, for fake API servers in tests.
 *
 * @public
 */
export const SS_PATH = '/apis/external-secrets.io/v1/secretstores';
/**
 * API path of core/v1 Events, for fake API servers in tests.
 *
 * @public
 */
export const EVENTS_PATH = '/api/v1/events';

/**
 * An ExternalSecret object for tests: its catalog label (`backstage.io/kubernetes-id`), store, data and Ready condition as given.
 *
 * @public
 */
export function externalSecret(options: {
  name: string;
  namespace: string;
  kubernetesId?: string;
  store?: string;
  ready?: { status: string; reason?: string; message?: string };
  refreshTime?: string;
  refreshInterval?: string;
  generation?: number;
  syncedGeneration?: number;
  data?: Array<{ secretKey: string; key: string; property?: string }>;
}) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      generation: options.generation ?? 1,
      labels: options.kubernetesId
        ? { 'backstage.io/kubernetes-id': options.kubernetesId }
        : {},
    },
    spec: {
      refreshInterval: options.refreshInterval ?? '2m',
      secretStoreRef: {
        kind: 'ClusterSecretStore',
        name: options.store ?? 'vault-store',
      },
      target: { name: options.name, creationPolicy: 'Owner' },
      data: (
        options.data ?? [
          {
            secretKey: '.env',
            key: `${options.namespace}/env-file`,
            property: 'dotenv',
          },
        ]
      ).map(d => ({
        secretKey: d.secretKey,
        remoteRef: { key: d.key, property: d.property },
      })),
    },
    status: options.ready
      ? {
          conditions: [{ type: 'Ready', ...options.ready }],
          refreshTime: options.refreshTime,
          syncedResourceVersion: `${
            options.syncedGeneration ?? options.generation ?? 1
          }-abc`,
          binding: { name: options.name },
        }
      : undefined,
  };
}

/**
 * A ClusterSecretStore object for tests, with the given Ready condition.
 *
 * @public
 */
export function clusterSecretStore(options: {
  name: string;
  ready?: { status: string; reason?: string; message?: string };
  server?: string;
  path?: string;
  role?: string;
  serviceAccount?: { name: string; namespace: string; audiences?: string[] };
}) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: options.name },
    spec: {
      provider: {
        vault: {
          server: options.server ?? 'https://vault.example.test:8200',
          path: options.path ?? 'secret',
          version: 'v2',
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: options.role ?? 'external-secrets-example-api',
              serviceAccountRef: options.serviceAccount ?? {
                name: 'external-secrets',
                namespace: 'external-secrets',
              },
            },
          },
        },
      },
    },
    status: options.ready
      ? { conditions: [{ type: 'Ready', ...options.ready }] }
      : undefined,
  };
}

/**
 * A Warning Event about an object, as ESO records one, for tests.
 *
 * @public
 */
export function warningEvent(options: {
  name: string;
  namespace: string;
  kind: string;
  objectName: string;
  objectNamespace?: string;
  reason: string;
  message: string;
  lastTimestamp: string;
}) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: options.name, namespace: options.namespace },
    involvedObject: {
      apiVersion: 'external-secrets.io/v1',
      kind: options.kind,
      name: options.objectName,
      namespace: options.objectNamespace,
    },
    type: 'Warning',
    reason: options.reason,
    message: options.message,
    lastTimestamp: options.lastTimestamp,
  };
}

/**
 * API path of ESO ClusterExternalSecrets, for fake API servers in tests.
 *
 * @public
 */
export const CES_PATH = '/apis/external-secrets.io/v1/clusterexternalsecrets';
/**
 * API path of ESO PushSecrets, for fake API servers in tests.
 *
 * @public
 */
export const PS_PATH = '/apis/external-secrets.io/v1alpha1/pushsecrets';
