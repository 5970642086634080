import { KubernetesEmulator } from './KubernetesEmulator';
import type {
  TokenReviewRequest,
  TokenReviewResult,
  TokenReviewer,
} from '../vault/types';
import { readUnverifiedClaims } from './serviceAccountTokens';

/**
 * What Vault's Kubernetes auth method hands to the TokenReview API (its `auth/<mount>/config`
 * and the login JWT). `role` and the issuer settings are optional; when given, the checks Vault
 * makes locally against the role and the `iss` claim run here too.
 *
 * @public
 */
export interface ClusterTokenReviewRequest extends TokenReviewRequest {
  issuer?: string;
  disableIssValidation?: boolean;
  role?: {
    boundServiceAccountNames: string[];
    boundServiceAccountNamespaces: string[];
    audience?: string;
  };
}

/**
 * A {@link TokenReviewer} for the Vault emulator that also accepts the optional role and issuer
 * checks.
 *
 * @public
 */
export type ClusterTokenReviewer = (
  request: ClusterTokenReviewRequest,
) => ReturnType<TokenReviewer>;

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
 * Failures are Vault's own messages (`permission denied`, `service account name not
 * authorized`, `namespace not authorized`, `invalid audience (aud) claim: ...`,
 * `claim "iss" is invalid`).
 *
 * @public
 */
export function createTokenReviewer(
  cluster: KubernetesEmulator,
): ClusterTokenReviewer {
  return async (
    request: ClusterTokenReviewRequest,
  ): Promise<TokenReviewResult | string> => {
    const claims = readUnverifiedClaims(request.jwt);
    const subject = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(
      claims?.sub ?? '',
    );
    if (!claims || !subject) {
      return PERMISSION_DENIED;
    }
    const [, namespace, serviceAccountName] = subject;
    if (
      request.issuer &&
      request.disableIssValidation === false &&
      claims.iss !== request.issuer
    ) {
      return 'claim "iss" is invalid';
    }
    const role = request.role;
    if (role) {
      if (!bound(role.boundServiceAccountNames, serviceAccountName)) {
        return 'service account name not authorized';
      }
      if (!bound(role.boundServiceAccountNamespaces, namespace)) {
        return 'namespace not authorized';
      }
      if (role.audience && !(claims.aud ?? []).includes(role.audience)) {
        return 'invalid audience (aud) claim: audience claim does not match any expected audience';
      }
    }

    // From here on Vault calls the cluster's TokenReview API.
    if (cluster.faults.isClusterDown()) {
      return PERMISSION_DENIED;
    }
    if (normalizeHost(request.kubernetesHost) !== normalizeHost(cluster.url)) {
      return PERMISSION_DENIED;
    }
    const tls = cluster.url.startsWith('https:') && cluster.caCertPem;
    if (
      tls &&
      normalizePem(request.kubernetesCaCert) !== normalizePem(cluster.caCertPem)
    ) {
      return PERMISSION_DENIED;
    }
    // Without a reviewer JWT, Vault reviews the login token with itself.
    const reviewer = await cluster.verifyServiceAccountToken(
      request.tokenReviewerJwt || request.jwt,
    );
    if (!reviewer || !cluster.canReviewTokens(reviewer)) {
      return PERMISSION_DENIED;
    }
    const reviewed = await cluster.verifyServiceAccountToken(request.jwt);
    if (!reviewed) {
      return PERMISSION_DENIED;
    }
    return {
      serviceAccountName,
      namespace,
      audiences: reviewed.aud,
    };
  };
}

/**
 * TokenReviews for a Vault whose Kubernetes auth mounts point at several clusters: each login is
 * reviewed by the cluster its mount's `kubernetes_host` names, as Vault sends the TokenReview to
 * that URL. A host no emulated cluster serves fails like an unreachable API server
 * (`permission denied`), after the same local checks of the JWT and the role.
 *
 * @public
 */
export function createMultiClusterTokenReviewer(
  clusters: KubernetesEmulator[],
): ClusterTokenReviewer {
  if (clusters.length === 0) {
    throw new Error('a token reviewer needs at least one cluster');
  }
  const reviewers = clusters.map(cluster => ({
    host: normalizeHost(cluster.url),
    review: createTokenReviewer(cluster),
  }));
  return request => {
    const target =
      reviewers.find(r => r.host === normalizeHost(request.kubernetesHost)) ??
      // no cluster answers this host: the first one's reviewer runs the local checks and then
      // refuses the host it does not serve
      reviewers[0];
    return target.review(request);
  };
}
