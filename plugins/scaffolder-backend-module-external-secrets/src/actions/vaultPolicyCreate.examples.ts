import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Read access for one service on the KV v2 mount `secret`',
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-policy',
          action: 'vault:policy:create',
          name: 'Create the Vault policy',
          input: { name: 'example-api' },
        },
      ],
    }),
  },
  {
    description:
      'Read and list on a custom prefix and mount, replacing a different policy',
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-policy',
          action: 'vault:policy:create',
          name: 'Create the Vault policy',
          input: {
            name: 'example-worker',
            kvMount: 'secret',
            kvVersion: 2,
            pathPrefix: 'team-a/example-worker',
            capabilities: ['read', 'list'],
            policyName: 'team-a-example-worker',
            overwrite: true,
          },
        },
      ],
    }),
  },
];
