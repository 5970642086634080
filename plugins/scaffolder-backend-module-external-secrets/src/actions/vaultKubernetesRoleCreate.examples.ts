import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Role for the service's own service account (`example-api/external-secrets-example-api`) with the service's policy",
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-role',
          action: 'vault:kubernetes-role:create',
          name: 'Create the Vault Kubernetes-auth role',
          input: { name: 'example-api' },
        },
      ],
    }),
  },
  {
    description:
      "Role on the Kubernetes auth mount of cluster `edge` of externalSecrets.clusters (`kubernetes-edge`, or the cluster's own vaultAuthMount), for a service created on that cluster",
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-role',
          action: 'vault:kubernetes-role:create',
          name: 'Create the Vault Kubernetes-auth role',
          input: { name: 'example-api', cluster: 'edge' },
        },
      ],
    }),
  },
  {
    description:
      'Every setting given explicitly: the service lives in namespace `workers`',
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-role',
          action: 'vault:kubernetes-role:create',
          name: 'Create the Vault Kubernetes-auth role',
          input: {
            name: 'example-worker',
            namespace: 'workers',
            entityRef: 'component:default/example-worker',
            roleName: 'external-secrets-example-worker',
            policies: ['example-worker'],
            boundServiceAccountNames: ['external-secrets-example-worker'],
            boundServiceAccountNamespaces: ['workers'],
            audience: 'https://kubernetes.default.svc.cluster.local',
            ttl: '1h',
            authMount: 'kubernetes',
            overwrite: false,
          },
        },
      ],
    }),
  },
];
