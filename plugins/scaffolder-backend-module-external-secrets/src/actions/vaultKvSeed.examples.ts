import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Seed `secret/example-api/env-file` from the `envFile` Secret field of the template form',
    example: yaml.stringify({
      parameters: [
        {
          title: 'Secrets',
          properties: {
            envFile: {
              title: '.env contents',
              type: 'string',
              'ui:field': 'Secret',
            },
          },
        },
      ],
      steps: [
        {
          id: 'vault-seed',
          action: 'vault:kv:seed',
          name: 'Store the first secret values in Vault',
          input: {
            name: 'example-api',
            path: 'example-api/env-file',
            properties: [{ property: 'dotenv', secret: 'envFile' }],
          },
        },
      ],
    }),
  },
  {
    description: 'Fail instead of skipping when the secret already exists',
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-seed',
          action: 'vault:kv:seed',
          name: 'Store the first secret values in Vault',
          input: {
            name: 'example-worker',
            path: 'example-worker/config-file',
            properties: [{ property: 'config.json', secret: 'configJson' }],
            ifExists: 'fail',
            kvMount: 'secret',
            kvVersion: 2,
          },
        },
      ],
    }),
  },
];
