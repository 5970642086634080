/**
 * Two clusters of `externalSecrets.clusters` for the actions' `cluster` input: `edge` on the
 * default per-cluster mount (`kubernetes-edge`), `lab` on a mount its config names (`k8s-lab`).
 */
export const TEST_CLUSTERS: Array<Record<string, string>> = [
  {
    name: 'edge',
    url: 'https://edge.clusters.test:6443',
    serviceAccountToken: 'edge-status-token',
  },
  {
    name: 'lab',
    url: 'https://lab.clusters.test:6443',
    serviceAccountToken: 'lab-status-token',
    vaultAuthMount: 'k8s-lab',
  },
];
