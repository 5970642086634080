import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, jwtVerify } from 'jose';

/**
 * The claims of a service account token, shaped like the projected tokens Kubernetes issues.
 *
 * @public
 */
export interface ServiceAccountTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    /** Set on the long-lived token of a `kubernetes.io/service-account-token` Secret. */
    secret?: { name: string; uid: string };
  };
}

/** @public */
export interface IssueTokenOptions {
  namespace: string;
  name: string;
  uid: string;
  /** Defaults to the cluster's own audience (its issuer URL), as a TokenRequest without audiences. */
  audiences?: string[];
  /** Lifetime; Kubernetes' default for TokenRequest is one hour. */
  expirationSeconds?: number;
  /** The token Secret this token belongs to: valid only while that Secret exists. */
  secret?: { name: string; uid: string };
}

/**
 * Issues and verifies the emulated cluster's service account tokens: signed JWTs with the claims
 * of real bound tokens (`sub: system:serviceaccount:<ns>:<name>`, `aud`, `iss`, `exp`). Tokens
 * signed by another emulated cluster, expired, or revoked do not verify.
 */
export class ServiceAccountTokenIssuer {
  private key = randomBytes(32);
  private revoked = new Set<string>();

  constructor(readonly issuer: string, private readonly now: () => Date) {}

  /** The signing key and revocations, so tokens stay valid across a saved and restored state. */
  exportState(): { key: string; revokedTokenIds: string[] } {
    return {
      key: this.key.toString('base64'),
      revokedTokenIds: [...this.revoked],
    };
  }

  importState(state: { key: string; revokedTokenIds: string[] }): void {
    this.key = Buffer.from(state.key, 'base64');
    this.revoked = new Set(state.revokedTokenIds);
  }

  async issue(options: IssueTokenOptions): Promise<string> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({
      'kubernetes.io': {
        namespace: options.namespace,
        serviceaccount: { name: options.name, uid: options.uid },
        ...(options.secret ? { secret: options.secret } : {}),
      },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${options.namespace}:${options.name}`)
      .setAudience(
        options.audiences?.length ? options.audiences : [this.issuer],
      )
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + (options.expirationSeconds ?? 3600))
      .setJti(randomUUID())
      .sign(this.key);
  }

  /** The claims of a token this cluster issued and that is still valid; undefined otherwise. */
  async verify(token: string): Promise<ServiceAccountTokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: this.issuer,
        currentDate: this.now(),
      });
      const claims = payload as unknown as ServiceAccountTokenClaims;
      if (this.revoked.has(claims.jti)) {
        return undefined;
      }
      return { ...claims, aud: ([] as string[]).concat(claims.aud) };
    } catch {
      return undefined;
    }
  }

  /** Makes a token fail verification from now on (a deleted Secret, a rebuilt cluster). */
  revoke(token: string): void {
    const { jti } = decodeJwt(token);
    if (jti) {
      this.revoked.add(jti);
    }
  }
}

/**
 * The claims of any JWT-shaped token without verifying it, as Vault reads them before asking
 * Kubernetes; undefined when the text is not a JWT.
 */
export function readUnverifiedClaims(
  token: string,
): Partial<ServiceAccountTokenClaims> | undefined {
  try {
    const claims = decodeJwt(token) as Partial<ServiceAccountTokenClaims>;
    if (claims.aud !== undefined) {
      claims.aud = ([] as string[]).concat(claims.aud);
    }
    return claims;
  } catch {
    return undefined;
  }
}
