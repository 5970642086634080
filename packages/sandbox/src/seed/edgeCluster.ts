import {
  SEED_TOKEN_AUDIENCE,
  SEED_VAULT_SERVER,
  SeedService,
} from './seedServices';

/**
 * The sandbox's second cluster: its name in `externalSecrets.clusters` and its Vault
 * Kubernetes auth mount, `kubernetes-<cluster>` as `kubernetesAuthMountFor` derives it (the
 * first cluster keeps the single-cluster mount `kubernetes`).
 */
export const EDGE_CLUSTER_NAME = 'edge';
export const EDGE_AUTH_MOUNT = `kubernetes-${EDGE_CLUSTER_NAME}`;

/** The GitOps repository Argo CD applies to the second cluster. */
export const EDGE_GITOPS_REPO = 'gitops-edge';

/** The one service seeded on the second cluster: healthy, its store on the edge mount. */
export const EDGE_SERVICE: SeedService = {
  name: 'example-edge',
  secretName: 'env-file',
  kvMount: 'secret',
  vaultKey: 'example-edge/env-file',
  property: 'dotenv',
  secretKey: '.env',
  policyName: 'example-edge',
  roleName: 'external-secrets-example-edge',
  serviceAccount: {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'external-secrets-example-edge',
      namespace: 'example-edge',
      labels: { 'backstage.io/kubernetes-id': 'example-edge' },
    },
    automountServiceAccountToken: false,
  },
  clusterSecretStore: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: {
      name: 'vault-example-edge',
      labels: { 'backstage.io/kubernetes-id': 'example-edge' },
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
              mountPath: EDGE_AUTH_MOUNT,
              role: 'external-secrets-example-edge',
              serviceAccountRef: {
                name: 'external-secrets-example-edge',
                namespace: 'example-edge',
                audiences: [SEED_TOKEN_AUDIENCE],
              },
            },
          },
        },
      },
      conditions: [{ namespaces: ['example-edge'] }],
    },
  },
  externalSecret: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'example-edge-env-file',
      namespace: 'example-edge',
      labels: { 'backstage.io/kubernetes-id': 'example-edge' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: {
        kind: 'ClusterSecretStore',
        name: 'vault-example-edge',
      },
      target: {
        name: 'example-edge-env-file',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: '.env',
          remoteRef: { key: 'example-edge/env-file', property: 'dotenv' },
        },
      ],
    },
  },
};
