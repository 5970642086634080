/**
 * A request as the emulator sees it, independent of the transport that carried it.
 *
 * @public
 */
export interface VaultHttpRequest {
  /** HTTP method; `LIST` and `GET ?list=true` are the same operation. */
  method: string;
  /** URL path, starting with `/v1/`. */
  path: string;
  /** Query parameters. */
  query?: Record<string, string>;
  /** Header names in any case. */
  headers?: Record<string, string | string[] | undefined>;
  /** The raw request body, JSON text when present. */
  body?: string;
}

/**
 * The emulator's answer. `networkError` means the transport should drop the connection instead
 * of answering (the emulated server is down).
 *
 * @public
 */
export interface VaultHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text; absent for 204. */
  body?: string;
  networkError?: boolean;
}

/**
 * One request the emulator received, as tests inspect it.
 *
 * @public
 */
export interface RecordedVaultRequest {
  method: string;
  /** Path without `/v1/`, e.g. `sys/policies/acl/example-api`. */
  path: string;
  /** `read`, `list`, `write` or `delete`. */
  operation: VaultOperation;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The raw body text. */
  body?: string;
  /** The status answered (0 when the emulator dropped the connection). */
  status: number;
}

/**
 * The logical operation of a request.
 *
 * @public
 */
export type VaultOperation = 'read' | 'list' | 'write' | 'delete' | 'patch';

/**
 * What Vault's Kubernetes auth method hands to the TokenReview API: its stored config and the
 * JWT presented at login.
 *
 * @public
 */
export interface TokenReviewRequest {
  kubernetesHost: string;
  kubernetesCaCert?: string;
  tokenReviewerJwt?: string;
  jwt: string;
  /** The mount's `issuer`, checked against the JWT's `iss` unless `disableIssValidation`. */
  issuer?: string;
  disableIssValidation?: boolean;
}

/**
 * A successful TokenReview: who the JWT belongs to.
 *
 * @public
 */
export interface TokenReviewResult {
  serviceAccountName: string;
  namespace: string;
  audiences: string[];
}

/**
 * Reviews a service-account JWT the way the Kubernetes TokenReview API would; returns the
 * identity, or an error text when the review fails (wrong host, CA, reviewer JWT, bad token).
 *
 * @public
 */
export type TokenReviewer = (
  request: TokenReviewRequest,
) => Promise<TokenReviewResult | string>;
