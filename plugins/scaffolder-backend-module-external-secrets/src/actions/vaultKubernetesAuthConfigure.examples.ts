import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Client-JWT mode for cluster `prod-eu` (mount `kubernetes-prod-eu`): no reviewer token is stored, each logging-in account's own JWT reviews itself",
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-auth',
          action: 'vault:kubernetes-auth:configure',
          name: 'Configure Vault Kubernetes auth',
          input: { cluster: 'prod-eu' },
        },
      ],
    }),
  },
  {
    description:
      'Reviewer-JWT mode: the token of the `vault-auth` account, pasted into a `ui:field: Secret` field named `tokenReviewerJwt`, goes to Vault only',
    example: yaml.stringify({
      steps: [
        {
          id: 'vault-auth',
          action: 'vault:kubernetes-auth:configure',
          name: 'Configure Vault Kubernetes auth',
          input: {
            cluster: 'prod-eu',
            reviewerMode: 'reviewer-jwt',
            reviewerJwtSecret: 'tokenReviewerJwt',
          },
        },
      ],
    }),
  },
];
