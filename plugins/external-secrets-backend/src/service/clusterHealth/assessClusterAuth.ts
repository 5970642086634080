import type {
  ClusterAuthFinding,
  ClusterAuthHealth,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { KubernetesAuthConfigInfo } from '@gitops-secrets/plugin-external-secrets-node';
import { normalizeUrl, pemBodies } from '../diagnosis/rules/login';

/** What Vault said about the cluster's auth mount. */
export type MountReading =
  | { kind: 'config'; config: KubernetesAuthConfigInfo }
  | { kind: 'mount-missing' }
  | { kind: 'not-configured' }
  | { kind: 'unreadable'; reason: string };

/** One store of the cluster, reduced to what the health needs. */
export interface StoreLogin {
  /** `ClusterSecretStore vault-example-api` or `SecretStore ns/name` */
  ref: string;
  /** the auth mount its `auth.kubernetes.mountPath` names (ESO's default `kubernetes`) */
  mount: string;
  /** Ready=True: ESO logged in through the mount when it validated the store */
  ready: boolean;
  /** its newest Warning says Vault denied the Kubernetes login ("permission denied") */
  loginDenied: boolean;
}

export interface ClusterAuthInput {
  cluster: {
    name: string;
    vaultAuthMount: string;
    /** the API server URL the backend uses */
    url?: string;
    /** the cluster CA the backend trusts, PEM */
    caPem?: string;
    reachable: boolean;
  };
  mount: MountReading;
  /** every store in the cluster that logs in with Kubernetes auth */
  stores: StoreLogin[];
  /** what the cluster itself answered (left out where it was not asked) */
  clusterSide?: ClusterSideReading;
  now: Date;
}

/** The cluster's side of the setup, as the backend asked it (SubjectAccessReview, one get). */
export interface ClusterSideReading {
  /**
   * Client-JWT mode: whether each logging-in account (ESO's, the stores') may create
   * TokenReviews; `undefined` where the cluster did not answer
   */
  tokenReview?: Array<{ account: string; allowed: boolean | undefined }>;
  /** the ConfigMaps the stores read Vault's CA from (`namespace/name` and key) */
  vaultCa?: Array<{
    ref: string;
    key: string;
    state: 'present' | 'missing' | 'key-missing' | 'unknown';
  }>;
}

/** The cluster-side checks: token review rights in client-JWT mode, and the Vault CA ConfigMap. */
function assessClusterSide(
  input: ClusterAuthInput,
  reviewerMode: ClusterAuthHealth['reviewerMode'],
  checks: ClusterAuthHealth['checks'],
  findings: ClusterAuthFinding[],
) {
  const { cluster, clusterSide } = input;
  const where = `auth/${cluster.vaultAuthMount}`;
  const reviews = clusterSide?.tokenReview ?? [];
  if (reviewerMode === 'client-jwt' && reviews.length > 0) {
    const denied = reviews.filter(r => r.allowed === false);
    if (denied.length > 0) {
      checks.tokenReviewGranted = 'failed';
      const accounts = denied.map(r => r.account).join(', ');
      findings.push({
        code: 'TOKEN_REVIEW_NOT_GRANTED',
        severity: 'error',
        summary: `${where} is in client-JWT mode, so Vault reviews each login with the logging-in account's own token, and in cluster ${
          cluster.name
        } ${
          denied.length === 1 ? 'the account' : 'the accounts'
        } ${accounts} may not create TokenReviews (no system:auth-delegator): ${
          denied.length === 1 ? 'its' : 'their'
        } logins are denied.`,
        fix: `Bind ${accounts} to the ClusterRole system:auth-delegator (a ClusterRoleBinding; the "Onboard a cluster to Vault" pull request does it for ESO's account, the new-service template for each service's account), or give ${where}/config a reviewer JWT.`,
      });
    } else if (reviews.every(r => r.allowed === true)) {
      checks.tokenReviewGranted = 'ok';
    }
  }
  const cas = clusterSide?.vaultCa ?? [];
  if (cas.length > 0) {
    const absent = cas.filter(
      c => c.state === 'missing' || c.state === 'key-missing',
    );
    if (absent.length > 0) {
      checks.vaultCaPresent = 'failed';
      for (const ca of absent) {
        const [namespace, name] = ca.ref.split('/');
        findings.push({
          code: 'VAULT_CA_MISSING',
          severity: 'error',
          summary:
            ca.state === 'missing'
              ? `ConfigMap ${ca.ref}, which ESO's stores in cluster ${cluster.name} read Vault's CA from, does not exist: they cannot verify Vault's certificate.`
              : `ConfigMap ${ca.ref} in cluster ${cluster.name} has no key ${ca.key}, where ESO's stores read Vault's CA from: they cannot verify Vault's certificate.`,
          fix: `Merge the cluster's onboarding pull request (it brings the ConfigMap), or create it with Vault's CA: kubectl -n ${namespace} create configmap ${name} --from-file=${ca.key}=vault-ca.pem.`,
        });
      }
    } else if (cas.every(c => c.state === 'present')) {
      checks.vaultCaPresent = 'ok';
    }
  }
}

function sameCa(a: string, b: string): boolean {
  const left = pemBodies(a);
  const right = pemBodies(b);
  return (
    left.length > 0 &&
    left.length === right.length &&
    left.every((body, i) => body === right[i])
  );
}

/**
 * Judges Vault's Kubernetes auth for one cluster: the mount exists, is configured for this
 * cluster (its `kubernetes_host` and CA are the ones the backend reaches the cluster with), and
 * the token review works, the last told from the cluster's stores (a Ready store logged in
 * through the mount; stores all refused "permission denied" while host and CA match point at
 * the reviewer). Pure: no I/O.
 */
export function assessClusterAuth(input: ClusterAuthInput): ClusterAuthHealth {
  const { cluster, mount } = input;
  const where = `auth/${cluster.vaultAuthMount}`;
  const configPath = `${where}/config`;
  const findings: ClusterAuthFinding[] = [];
  const checks: ClusterAuthHealth['checks'] = {
    mountEnabled: 'unknown',
    configured: 'unknown',
    hostMatches: 'unknown',
    caMatches: 'unknown',
    reviewerWorks: 'unknown',
    tokenReviewGranted: 'unknown',
    vaultCaPresent: 'unknown',
  };
  const onMount = input.stores.filter(s => s.mount === cluster.vaultAuthMount);
  const stores = {
    total: onMount.length,
    ready: onMount.filter(s => s.ready).length,
  };
  let reviewerMode: ClusterAuthHealth['reviewerMode'];

  if (!cluster.reachable) {
    findings.push({
      code: 'CLUSTER_UNREACHABLE',
      severity: 'warning',
      summary: `The backend cannot reach cluster ${cluster.name}, so its stores cannot be checked; Vault's side is judged alone.`,
      fix: `Check the cluster's url, credentials and CA in externalSecrets.clusters.`,
    });
  }

  if (mount.kind === 'unreadable') {
    findings.push({
      code: 'VAULT_UNREADABLE',
      severity: 'warning',
      summary: `Vault's ${configPath} could not be read: ${mount.reason}.`,
      fix: `Give the backend's Vault token read on ${configPath} (deploy/vault-policy.hcl, one block per cluster mount), or wait until Vault answers.`,
    });
  } else if (mount.kind === 'mount-missing') {
    checks.mountEnabled = 'failed';
    findings.push({
      code: 'AUTH_MOUNT_MISSING',
      severity: 'error',
      summary: `Vault has no Kubernetes auth method at ${where}/, so no store of cluster ${cluster.name} can log in.`,
      fix: `Onboard the cluster: run vault:kubernetes-auth:configure for cluster ${cluster.name} (the "Onboard a cluster to Vault" template), or vault auth enable -path=${cluster.vaultAuthMount} kubernetes and write ${configPath}.`,
    });
  } else if (mount.kind === 'not-configured') {
    checks.mountEnabled = 'ok';
    checks.configured = 'failed';
    findings.push({
      code: 'AUTH_MOUNT_NOT_CONFIGURED',
      severity: 'error',
      summary: `Vault's auth mount ${where}/ exists but has no config: Vault does not know which API server reviews the tokens of cluster ${cluster.name}.`,
      fix: `Write ${configPath} with kubernetes_host=${
        cluster.url ?? "the cluster's API server URL"
      } and the cluster's CA (vault:kubernetes-auth:configure does it).`,
    });
  } else {
    checks.mountEnabled = 'ok';
    checks.configured = 'ok';
    const config = mount.config;
    reviewerMode = config.tokenReviewerJwtSet ? 'reviewer-jwt' : 'client-jwt';
    if (cluster.url) {
      if (normalizeUrl(config.kubernetesHost) === normalizeUrl(cluster.url)) {
        checks.hostMatches = 'ok';
      } else {
        checks.hostMatches = 'failed';
        findings.push({
          code: 'AUTH_HOST_MISMATCH',
          severity: 'error',
          summary: `Vault's ${configPath} points at ${
            config.kubernetesHost || 'no API server'
          }, not at cluster ${cluster.name} (${
            cluster.url
          }): every login through ${where} is reviewed by the wrong API server and denied.`,
          fix: `Write ${configPath} with kubernetes_host=${cluster.url} (vault:kubernetes-auth:configure with overwrite, where repointing is allowed).`,
        });
      }
    }
    if (!config.kubernetesCaCert.trim()) {
      checks.caMatches = 'failed';
      findings.push({
        code: 'AUTH_CA_MISSING',
        severity: 'warning',
        summary: `Vault's ${configPath} has no kubernetes_ca_cert: Vault verifies cluster ${cluster.name}'s API server with its own system roots, which a cluster CA is usually not part of.`,
        fix: `Write ${configPath} with kubernetes_ca_cert set to the cluster's CA.`,
      });
    } else if (cluster.caPem) {
      if (sameCa(config.kubernetesCaCert, cluster.caPem)) {
        checks.caMatches = 'ok';
      } else {
        checks.caMatches = 'failed';
        findings.push({
          code: 'AUTH_CA_MISMATCH',
          severity: 'error',
          summary: `Vault's ${configPath} holds a kubernetes_ca_cert that is not cluster ${cluster.name}'s CA, so Vault cannot verify the API server on its TokenReview calls.`,
          fix: `Write ${configPath} with kubernetes_ca_cert set to the cluster's CA (kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d).`,
        });
      }
    }
    // the review itself: only ESO's logins show it
    if (stores.ready > 0) {
      checks.reviewerWorks = 'ok';
    } else if (
      onMount.some(s => s.loginDenied) &&
      checks.hostMatches !== 'failed' &&
      checks.caMatches !== 'failed'
    ) {
      checks.reviewerWorks = 'failed';
      findings.push({
        code: 'REVIEWER_REJECTED',
        severity: 'error',
        summary:
          reviewerMode === 'reviewer-jwt'
            ? `Every store of cluster ${cluster.name} on ${where} is denied at login ("permission denied") while host and CA match: the token reviewer JWT in ${configPath} is expired, from another cluster, or its service account lacks system:auth-delegator.`
            : `Every store of cluster ${cluster.name} on ${where} is denied at login ("permission denied") while host and CA match: in client-JWT mode each logging-in service account must hold system:auth-delegator, and its token's audience must be accepted by the API server.`,
        fix:
          reviewerMode === 'reviewer-jwt'
            ? `Bind the reviewer account (vault-auth) to system:auth-delegator, create a fresh token for it (a kubernetes.io/service-account-token Secret) and write it to ${configPath} as token_reviewer_jwt.`
            : `Bind the stores' service accounts to system:auth-delegator (a ClusterRoleBinding), or switch ${configPath} to a reviewer JWT.`,
      });
    }
  }

  if (cluster.reachable) {
    assessClusterSide(input, reviewerMode, checks, findings);
    // the accounts named at the source: the general "every login denied" would say it twice
    if (findings.some(f => f.code === 'TOKEN_REVIEW_NOT_GRANTED')) {
      const general = findings.findIndex(f => f.code === 'REVIEWER_REJECTED');
      if (general >= 0) findings.splice(general, 1);
    }
  }

  for (const store of input.stores) {
    if (store.mount !== cluster.vaultAuthMount) {
      findings.push({
        code: 'STORE_ON_OTHER_MOUNT',
        severity: 'warning',
        summary: `${store.ref} in cluster ${cluster.name} logs in through auth/${store.mount}, not this cluster's mount ${where}: its logins are reviewed against whichever cluster that mount points at.`,
        fix: `Set auth.kubernetes.mountPath of ${store.ref} to ${cluster.vaultAuthMount}.`,
      });
    }
  }

  let state: ClusterAuthHealth['state'] = 'Healthy';
  if (findings.some(f => f.severity === 'error')) {
    state = 'Unhealthy';
  } else if (mount.kind === 'unreadable') {
    state = 'Unknown';
  }
  return {
    cluster: cluster.name,
    vaultAuthMount: cluster.vaultAuthMount,
    state,
    ...(reviewerMode ? { reviewerMode } : {}),
    checks,
    stores,
    findings,
    checkedAt: input.now.toISOString(),
  };
}
