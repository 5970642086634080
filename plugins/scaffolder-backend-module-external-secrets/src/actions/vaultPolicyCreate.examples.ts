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
      "Read and list on a folder below the service's root, under a second policy name, replacing an older version of it",
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-policy',
          action: 'vault:policy:create',
          name: 'Create the Vault policy',
          input: {
            name: 'example-worker',
            kvMount: 'secret',
            pathPrefix: 'example-worker/batch',
            capabilities: ['read', 'list'],
            policyName: 'example-worker.batch',
            overwrite: true,
          },
        },
      ],
    }),
  },
];
