import { TokenReviewResult, TokenReviewer } from './types';

/**
 * What a test service-account token claims.
 *
 * @public
 */
export interface ServiceAccountJwtClaims {
  namespace: string;
  name: string;
  audiences?: string[];
  /** Expiry as a Unix time in seconds. */
  expiresAt?: number;
}

const encode = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An unsigned JWT shaped like a projected service-account token, for the default reviewer.
 *
 * @public
 */
export function createServiceAccountJwt(
  claims: ServiceAccountJwtClaims,
): string {
  const payload: Record<string, unknown> = {
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${claims.namespace}:${claims.name}`,
    aud: claims.audiences ?? ['https://kubernetes.default.svc.cluster.local'],
    'kubernetes.io': {
      namespace: claims.namespace,
      serviceaccount: { name: claims.name },
    },
  };
  if (claims.expiresAt !== undefined) {
    payload.exp = claims.expiresAt;
  }
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

/**
 * The default TokenReview stand-in: trusts any well-formed service-account JWT that has not
 * expired, whatever the configured host, CA or reviewer JWT. The Kubernetes emulator supplies
 * a strict reviewer.
 *
 * @public
 */
export function createUnsignedJwtReviewer(
  now: () => number = Date.now,
): TokenReviewer {
  return async ({ jwt }): Promise<TokenReviewResult | string> => {
    const parts = jwt.split('.');
    if (parts.length !== 3) {
      return 'token is not a JWT';
    }
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return 'token payload is not JSON';
    }
    const subject = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(
      String(claims.sub ?? ''),
    );
    if (!subject) {
      return 'token subject is not a service account';
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now()) {
      return 'token has expired';
    }
    const aud = claims.aud;
    const audiences = (Array.isArray(aud) ? aud : [aud])
      .filter(a => a !== undefined && a !== null && a !== '')
      .map(String);
    return { namespace: subject[1], serviceAccountName: subject[2], audiences };
  };
}
