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
      'Reviewer-JWT mode, in two runs of the same step. First run, `tokenReviewerJwt` left empty: the mount is enabled with no config and `result` is `awaiting-reviewer-jwt` (the `vault-auth` account and its token Secret come with the GitOps pull request). Once that is merged and applied, the second run with the token of Secret `vault-auth/vault-auth-token` pasted into the `ui:field: Secret` field `tokenReviewerJwt` writes the config (`created`); the JWT goes to Vault only',
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
