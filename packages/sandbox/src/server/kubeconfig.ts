import { stringify } from 'yaml';

/** One identity of the kubeconfig: a context named after it, using its bearer token. */
export interface KubeconfigIdentity {
  /** Context and user name (`sandbox-admin`). */
  name: string;
  token: string;
}

export interface KubeconfigOptions {
  /** The API server URL (`https://127.0.0.1:6443`). */
  server: string;
  /** Absolute path of the cluster CA file, so the kubeconfig works from any directory. */
  caFile: string;
  /** The first identity is the current context. */
  identities: KubeconfigIdentity[];
}

/** The cluster's name in the kubeconfig. */
export const KUBECONFIG_CLUSTER = 'gitops-secrets-sandbox';

/**
 * A kubeconfig for the sandbox cluster (`KUBECONFIG=.sandbox/kubeconfig kubectl get css`), one
 * context per identity, the CA by path (no `insecure-skip-tls-verify`).
 */
export function renderKubeconfig(options: KubeconfigOptions): string {
  if (options.identities.length === 0) {
    throw new Error('a kubeconfig needs at least one identity');
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: KUBECONFIG_CLUSTER,
        cluster: {
          server: options.server,
          'certificate-authority': options.caFile,
        },
      },
    ],
    users: options.identities.map(identity => ({
      name: identity.name,
      user: { token: identity.token },
    })),
    contexts: options.identities.map(identity => ({
      name: identity.name,
      context: { cluster: KUBECONFIG_CLUSTER, user: identity.name },
    })),
    'current-context': options.identities[0].name,
    preferences: {},
  });
}
