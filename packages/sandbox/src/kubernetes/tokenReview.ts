import { KubernetesEmulator } from './KubernetesEmulator';
import { readUnverifiedClaims } from './serviceAccountTokens';

/**
 * What Vault's Kubernetes auth method knows when a client logs in: its `auth/<mount>/config`
 * and the login JWT. `role` and the issuer settings are optional; when given, the checks Vault
 * makes locally against the role run here too.
 *
 * @public
 */
export interface TokenReviewRequest {
  kubernetesHost: string;
  kubernetesCaCert?: string;
  tokenReviewerJwt?: string;
  jwt: string;
  issuer?: string;
  disableIssValidation?: boolean;
  role?: {
    boundServiceAccountNames: string[];
    boundServiceAccountNamespaces: string[];
    audience?: string;
  };
}

/** @public */
export type TokenReviewResult =
  | { serviceAccountName: string; namespace: string; audiences: string[]; uid: string }
  | { error: string };

/**
 * The function Vault's emulated Kubernetes auth calls to review a login.
 *
 * @public
 */
export type TokenReviewer = (
  request: TokenReviewRequest,
) => Promise<TokenReviewResult>;

/** Vault hides every TokenReview failure behind this one message (Vault ≥ 1.11). */
const PERMISSION_DENIED = 'permission denied';

function normalizeHost(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

function normalizePem(pem: string | undefined): string {
  return (pem ?? '').replace(/\s+/g, '');
}

function bound(list: string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

/**
 * A TokenReview against one emulated cluster, as Vault performs it: it succeeds only when
 * Vault's config points at this cluster's URL with this cluster's CA, the reviewer JWT is a
 * valid token of a service account allowed to review tokens, and the login JWT is valid here.
 * Failures carry Vault's own messages (`permission denied`, `service account name not
 * authorized`, `namespace not authorized`, `invalid audience (aud) claim: ...`,
 * `claim "iss" is invalid`).
 *
 * @public
 */
export function createTokenReviewer(cluster: KubernetesEmulator): TokenReviewer {
  return async request => {
    const claims = readUnverifiedClaims(request.jwt);
    const subject = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(
      claims?.sub ?? '',
    );
    if (!claims || !subject) {
      return { error: PERMISSION_DENIED };
    }
    const [, namespace, serviceAccountName] = subject;
    if (
      request.issuer &&
      request.disableIssValidation === false &&
      claims.iss !== request.issuer
    ) {
      return { error: 'claim "iss" is invalid' };
    }
    const role = request.role;
    if (role) {
      if (!bound(role.boundServiceAccountNames, serviceAccountName)) {
        return { error: 'service account name not authorized' };
      }
      if (!bound(role.boundServiceAccountNamespaces, namespace)) {
        return { error: 'namespace not authorized' };
      }
      if (role.audience && !(claims.aud ?? []).includes(role.audience)) {
        return {
          error:
            'invalid audience (aud) claim: audience claim does not match any expected audience',
        };
      }
    }

    // From here on Vault calls the cluster's TokenReview API.
    if (cluster.faults.isClusterDown()) {
      return { error: PERMISSION_DENIED };
    }
    if (normalizeHost(request.kubernetesHost) !== normalizeHost(cluster.url)) {
      return { error: PERMISSION_DENIED };
    }
    const tls = cluster.url.startsWith('https:') && cluster.caCertPem;
    if (tls && normalizePem(request.kubernetesCaCert) !== normalizePem(cluster.caCertPem)) {
      return { error: PERMISSION_DENIED };
    }
    // Without a reviewer JWT, Vault reviews the login token with itself.
    const reviewer = await cluster.verifyServiceAccountToken(
      request.tokenReviewerJwt || request.jwt,
    );
    if (!reviewer || !cluster.canReviewTokens(reviewer)) {
      return { error: PERMISSION_DENIED };
    }
    const reviewed = await cluster.verifyServiceAccountToken(request.jwt);
    if (!reviewed) {
      return { error: PERMISSION_DENIED };
    }
    return {
      serviceAccountName,
      namespace,
      audiences: reviewed.aud,
      uid: reviewed['kubernetes.io'].serviceaccount.uid,
    };
  };
}
