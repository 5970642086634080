import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Role for ESO's default service account with the service's policy",
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
    description: 'Every setting given explicitly',
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-role',
          action: 'vault:kubernetes-role:create',
          name: 'Create the Vault Kubernetes-auth role',
          input: {
            name: 'example-worker',
            roleName: 'external-secrets-example-worker',
            policies: ['example-worker'],
            boundServiceAccountNames: ['external-secrets'],
            boundServiceAccountNamespaces: ['external-secrets'],
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
