import type { KubernetesObject } from './types';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * A ClusterRoleBinding of one service account to `system:auth-delegator`, the ClusterRole that
 * may create TokenReviews (and SubjectAccessReviews): what Vault's token reviewer needs, and in
 * client-JWT mode every account that logs in to Vault. Used by the service manifests and by the
 * cluster manifests alike.
 *
 * @public
 */
export function authDelegatorBinding(options: {
  name: string;
  account: { name: string; namespace: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): KubernetesObject & {
  metadata: { annotations?: Record<string, string> };
} {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: {
      name: options.name,
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    roleRef: {
      apiGroup: RBAC_GROUP,
      kind: 'ClusterRole',
      name: 'system:auth-delegator',
    },
    subjects: [
      {
        kind: 'ServiceAccount',
        name: options.account.name,
        namespace: options.account.namespace,
      },
    ],
  };
}
