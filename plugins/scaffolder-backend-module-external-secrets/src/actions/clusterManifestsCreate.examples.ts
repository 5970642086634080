import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import { stringify } from 'yaml';

export const clusterManifestsCreateExamples: TemplateExample[] = [
  {
    description:
      "Client-JWT mode for cluster `prod-eu`: ESO's Application, ESO's account bound to system:auth-delegator and the vault-ca ConfigMap, under clusters/prod-eu/platform",
    example: stringify({
      steps: [
        {
          id: 'cluster-manifests',
          action: 'external-secrets:cluster-manifests:create',
          name: 'Render the cluster manifests',
          input: { cluster: 'prod-eu' },
        },
      ],
    }),
  },
  {
    description:
      'Reviewer-JWT mode: also the vault-auth namespace, ServiceAccount, its service-account-token Secret and its system:auth-delegator binding, into another directory',
    example: stringify({
      steps: [
        {
          id: 'cluster-manifests',
          action: 'external-secrets:cluster-manifests:create',
          name: 'Render the cluster manifests',
          input: {
            cluster: 'prod-eu',
            reviewerMode: 'reviewer-jwt',
            targetPath: 'platform/{cluster}',
          },
        },
      ],
    }),
  },
];
