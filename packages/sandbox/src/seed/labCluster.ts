/**
 * The sandbox's third cluster, `lab`: configured in `externalSecrets.clusters` but not onboarded
 * to Vault at start (no auth mount, no `vault-ca` ConfigMap, no reviewer account, an empty
 * GitOps repository). The "Onboard a cluster to Vault" template is what sets it up; its mount
 * is then `kubernetes-<cluster>` as `kubernetesAuthMountFor` derives it.
 */
export const LAB_CLUSTER_NAME = 'lab';
export const LAB_AUTH_MOUNT = `kubernetes-${LAB_CLUSTER_NAME}`;

/** The GitOps repository Argo CD applies to the third cluster; it holds only a README at start. */
export const LAB_GITOPS_REPO = 'gitops-lab';
