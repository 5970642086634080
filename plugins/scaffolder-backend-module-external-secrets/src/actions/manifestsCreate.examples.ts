import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const manifestsCreateExamples: TemplateExample[] = [
  {
    description:
      'The workflow of example-api: one ClusterSecretStore and one ExternalSecret, every store setting from the app config',
    example: stringify({
      steps: [
        {
          id: 'manifests',
          action: 'external-secrets:manifests:create',
          name: 'Render External Secrets manifests',
          input: {
            name: 'example-api',
            secrets: [
              {
                name: 'env-file',
                properties: [{ property: 'dotenv', secretKey: '.env' }],
              },
            ],
          },
        },
      ],
    }),
  },
  {
    description:
      "A service created on cluster `edge` of externalSecrets.clusters: the store logs in on that cluster's Vault auth mount (`kubernetes-edge`, or the cluster's own vaultAuthMount)",
    example: stringify({
      steps: [
        {
          id: 'manifests',
          action: 'external-secrets:manifests:create',
          name: 'Render External Secrets manifests',
          input: {
            name: 'example-api',
            cluster: 'edge',
            secrets: [
              {
                name: 'env-file',
                properties: [{ property: 'dotenv', secretKey: '.env' }],
              },
            ],
          },
        },
      ],
    }),
  },
  {
    description:
      'A namespaced SecretStore on a KV v1 mount, two secrets, an explicit Vault key and the shortest refresh config allows by default',
    example: stringify({
      steps: [
        {
          id: 'manifests',
          action: 'external-secrets:manifests:create',
          name: 'Render External Secrets manifests',
          input: {
            name: 'billing',
            namespace: 'payments',
            refreshInterval: '1m',
            store: {
              kind: 'SecretStore',
              server: 'https://vault.example.com:8200',
              kvMount: 'kv',
              kvVersion: 1,
              caProvider: { type: 'Secret', name: 'vault-ca', key: 'ca.crt' },
            },
            secrets: [
              {
                name: 'database',
                vaultKey: 'teams/billing/database',
                properties: [
                  { property: 'username', secretKey: 'DB_USER' },
                  { property: 'password', secretKey: 'DB_PASSWORD' },
                ],
              },
              {
                name: 'stripe',
                properties: [{ property: 'api-key', secretKey: 'STRIPE_KEY' }],
              },
            ],
            targetPath: 'clusters/prod/{namespace}/{name}',
          },
        },
      ],
    }),
  },
];
