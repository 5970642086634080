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
  /** More clusters, each with its own contexts (named after their identities). */
  moreClusters?: Array<{
    name: string;
    server: string;
    caFile: string;
    identities: KubeconfigIdentity[];
  }>;
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
  const clusters = [
    {
      name: KUBECONFIG_CLUSTER,
      server: options.server,
      caFile: options.caFile,
      identities: options.identities,
    },
    ...(options.moreClusters ?? []),
  ];
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map(c => ({
      name: c.name,
      cluster: { server: c.server, 'certificate-authority': c.caFile },
    })),
    users: clusters.flatMap(c =>
      c.identities.map(identity => ({
        name: identity.name,
        user: { token: identity.token },
      })),
    ),
    contexts: clusters.flatMap(c =>
      c.identities.map(identity => ({
        name: identity.name,
        context: { cluster: c.name, user: identity.name },
      })),
    ),
    'current-context': options.identities[0].name,
    preferences: {},
  });
}
