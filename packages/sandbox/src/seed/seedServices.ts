/**
 * The three services of the workflow in DESIGN.md, in the per-service shape the template renders
 * by default: each with its own ServiceAccount `external-secrets-<name>` in its namespace, which
 * its store presents to Vault, and a ClusterSecretStore limited to that namespace. Written out
 * as data on purpose: tests compare what the manifests action renders with these objects, field
 * by field, so they must not come from the renderer.
 */

/** Address of the sandbox Vault as the seed's stores (and ESO) reach it. */
export const SEED_VAULT_SERVER = 'https://127.0.0.1:8200';

/** Audience ESO requests for the service account token it presents to Vault. */
export const SEED_TOKEN_AUDIENCE =
  'https://kubernetes.default.svc.cluster.local';

/** One seeded service: its Vault side by name, and its two ESO objects in full. */
export interface SeedService {
  name: string;
  /** Short secret name; the ExternalSecret and the target Secret are `<name>-<secretName>`. */
  secretName: string;
  kvMount: string;
  vaultKey: string;
  property: string;
  secretKey: string;
  policyName: string;
  roleName: string;
  /** the account its store presents to Vault, in the service's namespace */
  serviceAccount: Record<string, any>;
  clusterSecretStore: Record<string, any>;
  externalSecret: Record<string, any>;
}

const exampleApi: SeedService = {
  name: 'example-api',
  secretName: 'env-file',
  kvMount: 'secret',
  vaultKey: 'example-api/env-file',
  property: 'dotenv',
  secretKey: '.env',
  policyName: 'example-api',
  roleName: 'external-secrets-example-api',
  serviceAccount: {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'external-secrets-example-api',
      namespace: 'example-api',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    automountServiceAccountToken: false,
  },
  clusterSecretStore: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: {
      name: 'vault-example-api',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    spec: {
      provider: {
        vault: {
          server: SEED_VAULT_SERVER,
          path: 'secret',
          version: 'v2',
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: 'external-secrets',
          },
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-example-api',
              serviceAccountRef: {
                name: 'external-secrets-example-api',
                namespace: 'example-api',
                audiences: [SEED_TOKEN_AUDIENCE],
              },
            },
          },
        },
      },
      conditions: [{ namespaces: ['example-api'] }],
    },
  },
  externalSecret: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'example-api-env-file',
      namespace: 'example-api',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      target: {
        name: 'example-api-env-file',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: '.env',
          remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
        },
      ],
    },
  },
};

const exampleWorker: SeedService = {
  name: 'example-worker',
  secretName: 'config-file',
  kvMount: 'secret',
  vaultKey: 'example-worker/config-file',
  property: 'config.json',
  secretKey: 'config.json',
  policyName: 'example-worker',
  roleName: 'external-secrets-example-worker',
  serviceAccount: {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'external-secrets-example-worker',
      namespace: 'example-worker',
      labels: { 'backstage.io/kubernetes-id': 'example-worker' },
    },
    automountServiceAccountToken: false,
  },
  clusterSecretStore: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: {
      name: 'vault-example-worker',
      labels: { 'backstage.io/kubernetes-id': 'example-worker' },
    },
    spec: {
      provider: {
        vault: {
          server: SEED_VAULT_SERVER,
          path: 'secret',
          version: 'v2',
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: 'external-secrets',
          },
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-example-worker',
              serviceAccountRef: {
                name: 'external-secrets-example-worker',
                namespace: 'example-worker',
                audiences: [SEED_TOKEN_AUDIENCE],
              },
            },
          },
        },
      },
      conditions: [{ namespaces: ['example-worker'] }],
    },
  },
  externalSecret: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'example-worker-config-file',
      namespace: 'example-worker',
      labels: { 'backstage.io/kubernetes-id': 'example-worker' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: {
        kind: 'ClusterSecretStore',
        name: 'vault-example-worker',
      },
      target: {
        name: 'example-worker-config-file',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: 'config.json',
          remoteRef: {
            key: 'example-worker/config-file',
            property: 'config.json',
          },
        },
      ],
    },
  },
};

const exampleAdmin: SeedService = {
  name: 'example-admin',
  secretName: 'config-file',
  kvMount: 'secret',
  vaultKey: 'example-admin/config-file',
  property: 'config',
  secretKey: 'config',
  policyName: 'example-admin',
  roleName: 'external-secrets-example-admin',
  serviceAccount: {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'external-secrets-example-admin',
      namespace: 'example-admin',
      labels: { 'backstage.io/kubernetes-id': 'example-admin' },
    },
    automountServiceAccountToken: false,
  },
  clusterSecretStore: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: {
      name: 'vault-example-admin',
      labels: { 'backstage.io/kubernetes-id': 'example-admin' },
    },
    spec: {
      provider: {
        vault: {
          server: SEED_VAULT_SERVER,
          path: 'secret',
          version: 'v2',
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: 'external-secrets',
          },
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-example-admin',
              serviceAccountRef: {
                name: 'external-secrets-example-admin',
                namespace: 'example-admin',
                audiences: [SEED_TOKEN_AUDIENCE],
              },
            },
          },
        },
      },
      conditions: [{ namespaces: ['example-admin'] }],
    },
  },
  externalSecret: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'example-admin-config-file',
      namespace: 'example-admin',
      labels: { 'backstage.io/kubernetes-id': 'example-admin' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: {
        kind: 'ClusterSecretStore',
        name: 'vault-example-admin',
      },
      target: {
        name: 'example-admin-config-file',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: 'config',
          remoteRef: { key: 'example-admin/config-file', property: 'config' },
        },
      ],
    },
  },
};

/** The seeded services, in the order DESIGN.md lists them. */
export const SEED_SERVICES: readonly SeedService[] = [
  exampleApi,
  exampleWorker,
  exampleAdmin,
];
