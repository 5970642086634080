const PLAIN_WORDS: Array<[RegExp, string]> = [
  [
    /premature close|ECONNRESET|socket hang up|other side closed|EPIPE/i,
    'the connection broke off before the answer was complete',
  ],
  [/ECONNREFUSED/, 'nothing accepted the connection at its address'],
  [
    /ETIMEDOUT|ESOCKETTIMEDOUT|timed? ?out|timeout/i,
    'it did not answer in time',
  ],
  [/ENOTFOUND|EAI_AGAIN/, 'its host name does not resolve'],
  [
    /x509|certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i,
    'its TLS certificate is not trusted: check the CA in the configuration',
  ],
  [/\b401\b|unauthorized/i, 'it refused the credentials (401)'],
  [/\b403\b|forbidden/i, 'it refused access to the objects (403)'],
];

/**
 * A low-level connection error (Node's `ECONNRESET`, `Premature close`, …) in words a reader
 * can act on; undefined when the text is not one of the known kinds.
 */
export function describeConnectionError(text: string): string | undefined {
  return PLAIN_WORDS.find(([pattern]) => pattern.test(text))?.[1];
}
