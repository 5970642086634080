import { KubeObject } from './kubeObject';
import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  PolicyRule,
  RBAC_GROUP,
  SYSTEM_MASTERS,
} from './rbacRules';

/** The ClusterRole a token reviewer must be bound to (Vault's reviewer JWT, client-JWT mode). */
export const AUTH_DELEGATOR_ROLE = 'system:auth-delegator';
export const CLUSTER_ADMIN_ROLE = 'cluster-admin';

const BOOTSTRAP_METADATA = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, ...structuredClone(BOOTSTRAP_METADATA) },
    rules,
  };
}

function groupBinding(role: string, groups: string[]): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: role, ...structuredClone(BOOTSTRAP_METADATA) },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: groups.map(name => ({
      apiGroup: RBAC_GROUP,
      kind: 'Group',
      name,
    })),
  };
}

/** Paths any client may read about the server, even without credentials. */
export const PUBLIC_INFO_PATHS = [
  '/healthz',
  '/livez',
  '/readyz',
  '/version',
  '/version/',
];

/**
 * The part of the API server's bootstrap RBAC policy the emulator serves (the same names,
 * rules and default bindings a kubeadm or kind cluster starts with): `cluster-admin` for
 * `system:masters`, discovery and self-review for every authenticated user, public health and
 * version info for everyone, and `system:auth-delegator` (TokenReview, SubjectAccessReview),
 * bound to nobody by default. The aggregated `admin`/`edit`/`view` roles are not served.
 */
export function bootstrapPolicy(): {
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
} {
  return {
    clusterRoles: [
      clusterRole(CLUSTER_ADMIN_ROLE, [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ]),
      clusterRole('system:discovery', [
        {
          nonResourceURLs: [
            '/api',
            '/api/*',
            '/apis',
            '/apis/*',
            '/healthz',
            '/livez',
            '/openapi',
            '/openapi/*',
            '/readyz',
            '/version',
            '/version/',
          ],
          verbs: ['get'],
        },
      ]),
      clusterRole('system:basic-user', [
        {
          apiGroups: ['authorization.k8s.io'],
          resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
          verbs: ['create'],
        },
        {
          apiGroups: ['authentication.k8s.io'],
          resources: ['selfsubjectreviews'],
          verbs: ['create'],
        },
      ]),
      clusterRole('system:public-info-viewer', [
        { nonResourceURLs: [...PUBLIC_INFO_PATHS], verbs: ['get'] },
      ]),
      clusterRole(AUTH_DELEGATOR_ROLE, [
        {
          apiGroups: ['authentication.k8s.io'],
          resources: ['tokenreviews'],
          verbs: ['create'],
        },
        {
          apiGroups: ['authorization.k8s.io'],
          resources: ['subjectaccessreviews'],
          verbs: ['create'],
        },
      ]),
    ],
    clusterRoleBindings: [
      groupBinding(CLUSTER_ADMIN_ROLE, [SYSTEM_MASTERS]),
      groupBinding('system:discovery', [ALL_AUTHENTICATED]),
      groupBinding('system:basic-user', [ALL_AUTHENTICATED]),
      groupBinding('system:public-info-viewer', [
        ALL_AUTHENTICATED,
        ALL_UNAUTHENTICATED,
      ]),
    ],
  };
}
