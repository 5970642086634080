/**
 * Reads the error texts ESO writes (Events, conditions) into structured signals, so rules match
 * on what a message means rather than on loose keywords. The texts are built by ESO's Vault
 * provider, the Go Vault client (`Error making API request. URL: … Code: N. Errors: * …`), Go's
 * `net/http`, `net` and `crypto/x509`, and Vault's Kubernetes auth plugin; the corpus test
 * (`corpus.ts`) holds the real messages these patterns are checked against.
 */

/** Messages can be huge or binary (any controller may write Events); only this much is read. */
export const MAX_MESSAGE_CHARS = 8192;

/** One `Error making API request.` block of the Go Vault client. */
export interface VaultResponse {
  method?: string;
  url?: string;
  /** the API path after `/v1/`, without the query */
  path?: string;
  /** true for a LIST (`?list=true` or method LIST) */
  list: boolean;
  code: number;
  /** the `* …` lines after `Errors:` */
  errors: string[];
  /** true when Vault's answer was not JSON (`Raw Message:`), e.g. a proxy's HTML page */
  rawBody: boolean;
}

export type VaultOperation =
  | 'login'
  | 'token-lookup'
  | 'list'
  | 'metadata'
  | 'read';

export type TlsProblem = 'unknown-authority' | 'hostname' | 'expired';

export type TransportProblem =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'reset';

export interface ErrorSignals {
  /** the bounded, printable text the signals were read from ('' when there is none) */
  text: string;
  lower: string;
  /** true when the text was cut to {@link MAX_MESSAGE_CHARS} */
  truncated: boolean;
  responses: VaultResponse[];
  /** the Vault call that failed, from the response URL, a Go URL error, or ESO's wrapper */
  operation?: VaultOperation;
  /** HTTP status of the failing Vault response */
  code?: number;
  /** Vault's `* …` error lines, lower-cased */
  vaultErrors: string[];
  /** the URL of a Go `*url.Error` (`Put "https://…": …`) */
  transportUrl?: string;
  /** the failure is Vault's own TokenReview call to the Kubernetes API */
  tokenReview: boolean;
  /** the API server refused Vault's TokenReview (the reviewer lacks system:auth-delegator) */
  tokenReviewForbidden: boolean;
  tls?: TlsProblem;
  /** for `hostname`: the names the certificate is valid for, and the name asked for */
  tlsNames?: { validFor: string; requested: string };
  transport?: TransportProblem;
  permissionDenied: boolean;
  /** a Vault answer that is not Vault's JSON (HTML from a proxy, a load balancer page) */
  notVault: boolean;
  /** `no handler for route "…"`: the mount or auth path does not exist (here) */
  noHandlerRoute?: string;
  sealed: boolean;
  rateLimited: boolean;
  /** Kubernetes auth login rejections, by the text Vault's plugin answers */
  login: {
    serviceAccountName: boolean;
    namespace: boolean;
    audience: boolean;
    issuer: boolean;
    invalidRole: boolean;
  };
  /** ESO's own texts */
  eso: {
    storeNotReady?: string;
    storeNotFound?: string;
    storeNamespaceDenied?: { store: string; namespace: string };
    serviceAccountNotFound?: string;
    serviceAccountNamespace: boolean;
    propertyMissing?: string;
    secretMissing: boolean;
    /** ESO ≤ 0.5 read a denied (or empty) LIST for `dataFrom.find` as "no secret here" */
    findEmpty: boolean;
    caCertificate: boolean;
    generic: boolean;
  };
}

/** ESO's condition texts for any provider failure: they say nothing about the cause. */
const GENERIC = [
  /^could not get secret data from provider$/,
  /^could not get provider client$/,
  /^unable to create client$/,
  /^unable to validate store$/,
  /^secretstore is not ready$/,
];

/**
 * Makes a message safe to match and show: JSON-escaped newlines and quotes (as in controller
 * logs) become real ones, control and binary characters become spaces, and the text is cut to
 * {@link MAX_MESSAGE_CHARS}.
 */
export function boundText(text: unknown): { text: string; truncated: boolean } {
  if (typeof text !== 'string' || text === '') {
    return { text: '', truncated: false };
  }
  const head = text.slice(0, MAX_MESSAGE_CHARS * 2);
  const unescaped = head
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\"/g, '"');
  const printable = unescaped
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g, ' ')
    .trim();
  const truncated =
    printable.length > MAX_MESSAGE_CHARS || text.length > head.length;
  return { text: printable.slice(0, MAX_MESSAGE_CHARS), truncated };
}

// The start ("Error making API request.") is optional: quoted texts often begin at "URL:". Some
// logs join the lines with " | ".
const RESPONSE_BLOCK =
  /(?:Error making API request\.[\s|]*)?(?:Namespace:\s*(\S+)[\s|]*)?URL:\s*([A-Z]+)\s+(\S+)[\s|]*Code:\s*(\d{3})\.?[\s|]*(Errors:|Raw Message:)?([\s\S]*?)(?=Error making API request\.|URL:\s*[A-Z]+\s|$)/g;

function apiPath(url: string | undefined): { path?: string; list: boolean } {
  if (!url) {
    return { list: false };
  }
  const match = /\/v1\/([^?\s"]*)(\?[^\s"]*)?/.exec(url);
  return {
    path: match?.[1]?.replace(/\/+$/, ''),
    list: /[?&]list=true/.test(match?.[2] ?? ''),
  };
}

function parseResponses(text: string): VaultResponse[] {
  const responses: VaultResponse[] = [];
  for (const match of text.matchAll(RESPONSE_BLOCK)) {
    const [, , method, url, code, kind, body] = match;
    const { path, list } = apiPath(url);
    const errors = [...(body ?? '').matchAll(/\*\s+([^\n*][^\n]*)/g)]
      .map(m => m[1].trim())
      .filter(Boolean);
    responses.push({
      method,
      url,
      path,
      list: list || method === 'LIST',
      code: Number(code),
      errors,
      rawBody: kind === 'Raw Message:',
    });
  }
  return responses;
}

function operationOfPath(
  path: string | undefined,
  list: boolean,
): VaultOperation | undefined {
  if (!path) {
    return undefined;
  }
  if (/^auth\/token\/lookup-self$/.test(path)) {
    return 'token-lookup';
  }
  if (/^auth\/.+\/login$/.test(path)) {
    return 'login';
  }
  if (/(^|\/)metadata(\/|$)/.test(path)) {
    return list ? 'list' : 'metadata';
  }
  return list ? 'list' : 'read';
}

function tlsProblem(
  lower: string,
  text: string,
): Pick<ErrorSignals, 'tls' | 'tlsNames'> {
  const hostname =
    /x509: certificate is valid for (.+?), not ([^\s"'),]+)/i.exec(text);
  if (hostname) {
    return {
      tls: 'hostname',
      tlsNames: { validFor: hostname[1], requested: hostname[2] },
    };
  }
  const noSans =
    /x509: cannot validate certificate for (\S+) because it doesn't contain any IP SANs/i.exec(
      text,
    );
  if (noSans) {
    return {
      tls: 'hostname',
      tlsNames: { validFor: 'no IP address', requested: noSans[1] },
    };
  }
  if (/x509: certificate is not valid for any names/.test(lower)) {
    return { tls: 'hostname' };
  }
  if (/x509: certificate has expired or is not yet valid/.test(lower)) {
    return { tls: 'expired' };
  }
  if (
    /x509: certificate signed by unknown authority|certificate verify failed: unable to get local issuer certificate|self[- ]signed certificate in certificate chain/.test(
      lower,
    )
  ) {
    return { tls: 'unknown-authority' };
  }
  return {};
}

function transportProblem(lower: string): TransportProblem | undefined {
  if (
    /no such host|server misbehaving|temporary failure in name resolution/.test(
      lower,
    )
  ) {
    return 'dns';
  }
  if (/connection refused|econnrefused/.test(lower)) {
    return 'refused';
  }
  if (
    /i\/o timeout|context deadline exceeded|client\.timeout exceeded|tls handshake timeout|timeout awaiting response headers/.test(
      lower,
    )
  ) {
    return 'timeout';
  }
  if (/no route to host|network is unreachable/.test(lower)) {
    return 'unreachable';
  }
  if (/connection reset by peer|broken pipe/.test(lower)) {
    return 'reset';
  }
  return undefined;
}

/** Reads one or more messages (joined) into {@link ErrorSignals}. Never throws. */
export function parseErrorText(messages: readonly string[]): ErrorSignals {
  const parts = messages.map(m => boundText(m));
  const text = parts
    .map(p => p.text)
    .filter(Boolean)
    .join('\n');
  const lower = text.toLowerCase();
  const responses = parseResponses(text);
  const failingResponse = responses.find(r => r.code >= 400) ?? responses[0];

  // Go's *url.Error: `Put "https://vault:8200/v1/auth/kubernetes/login": dial tcp …`
  const urlError =
    /\b(Get|Put|Post|Patch|Delete|Head|List)\s+"?(https?:\/\/[^"\s]+)"?:\s/.exec(
      text,
    );
  const transportUrl = urlError?.[2];

  let operation =
    operationOfPath(failingResponse?.path, failingResponse?.list ?? false) ??
    operationOfPath(apiPath(transportUrl).path, apiPath(transportUrl).list);
  if (!operation) {
    if (/unable to log in|error from vault request/.test(lower)) {
      operation = 'login';
    } else if (/cannot read secret data from vault/.test(lower)) {
      operation = 'read';
    }
  }

  const vaultErrors = responses.flatMap(r =>
    r.errors.map(e => e.toLowerCase()),
  );
  // A transport or TLS error inside Vault's answer to a login is Vault's own outbound call:
  // the TokenReview to the Kubernetes API (older Vault put it in the 500 body).
  const vaultSideFailure =
    operation === 'login' &&
    vaultErrors.some(e =>
      /dial tcp|read tcp|x509:|connection refused|connection reset|no such host|i\/o timeout/.test(
        e,
      ),
    );
  const tokenReview =
    vaultSideFailure ||
    /authentication\.k8s\.io\/v1(beta1)?\/tokenreviews|tokenreviews\.authentication\.k8s\.io/.test(
      lower,
    );
  const notVault =
    responses.some(r => r.rawBody) ||
    /invalid character '<' looking for beginning of value|<html|<!doctype html/.test(
      lower,
    );

  const storeNotReady =
    /(?:ClusterSecretStore|SecretStore) "([^"]+)" is not ready/.exec(
      text,
    )?.[1] ?? /the desired SecretStore (\S+) is not ready/.exec(text)?.[1];
  const storeNotFound =
    /could not get (?:Cluster)?SecretStore "([^"]+)"[^\n]*not found/.exec(
      text,
    )?.[1];
  const denied =
    /using cluster store "([^"]+)" is not allowed from namespace "([^"]+)"/.exec(
      text,
    );

  return {
    text,
    lower,
    truncated: parts.some(p => p.truncated),
    responses,
    operation,
    code: failingResponse?.code,
    vaultErrors,
    transportUrl,
    tokenReview,
    tokenReviewForbidden:
      /tokenreviews\.authentication\.k8s\.io is forbidden/.test(lower),
    ...tlsProblem(lower, text),
    transport: transportProblem(lower),
    permissionDenied: /permission denied/.test(lower),
    notVault,
    noHandlerRoute:
      /no handler for route ["']([^"']+)["']/.exec(text)?.[1] ??
      (/no handler for route/.test(lower) ? '' : undefined),
    sealed: /vault is sealed/.test(lower),
    rateLimited:
      /rate limit quota exceeded/.test(lower) || failingResponse?.code === 429,
    login: {
      serviceAccountName: /service account name not authorized/.test(lower),
      namespace: /namespace not authorized/.test(lower),
      audience:
        /invalid audience \(aud\) claim|claim "aud" is invalid|audience claim does not match/.test(
          lower,
        ),
      issuer: /claim "iss" is invalid|invalid issuer \(iss\) claim/.test(lower),
      invalidRole: /invalid role name/.test(lower),
    },
    eso: {
      storeNotReady,
      storeNotFound,
      storeNamespaceDenied: denied
        ? { store: denied[1], namespace: denied[2] }
        : undefined,
      serviceAccountNotFound: /serviceaccounts? "([^"]+)" not found/.exec(
        text,
      )?.[1],
      serviceAccountNamespace:
        /namespace should either be empty or match the namespace of the secretstore/.test(
          lower,
        ),
      propertyMissing: /cannot find secret data for key:?\s*"([^"]*)"/i.exec(
        text,
      )?.[1],
      secretMissing: /secret does not exist|\bsecret not found\b/.test(lower),
      findEmpty: /provided path .* does not contain any secret/.test(lower),
      caCertificate: /cannot set vault ca certificate/.test(lower),
      generic:
        text !== '' &&
        parts
          .map(p => p.text.toLowerCase().trim())
          .filter(Boolean)
          .every(t => GENERIC.some(g => g.test(t))),
    },
  };
}

/** The remoteRef key a wrapped ESO error names: `(key: K), err:` (≥ 0.10) or `key: K, err:`. */
export function failingKeyOf(text: string): string | undefined {
  const match = /\(key: ([^)]+)\), err|\.data\[\d+\], key: ([^,\s]+), err/.exec(
    text,
  );
  return (match?.[1] ?? match?.[2])?.trim();
}
