import {
  boundText,
  failingKeyOf,
  MAX_MESSAGE_CHARS,
  parseErrorText,
} from './errorText';

describe('parseErrorText', () => {
  it('reads the Go Vault client block: method, path, code, errors', () => {
    const s = parseErrorText([
      'cannot read secret data from Vault: Error making API request.\n\nURL: GET https://v:8200/v1/secret/metadata/app?list=true\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n',
    ]);
    expect(s.responses).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: 'secret/metadata/app',
        list: true,
        code: 403,
      }),
    ]);
    expect(s.operation).toBe('list');
    expect(s.permissionDenied).toBe(true);
  });

  it.each([
    [
      'URL: PUT https://v/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied',
      'login',
    ],
    [
      'URL: PUT https://v/v1/auth/team/k8s/login\nCode: 403. Errors:\n\n* permission denied',
      'login',
    ],
    [
      'URL: GET https://v/v1/auth/token/lookup-self\nCode: 403. Errors:\n\n* permission denied',
      'token-lookup',
    ],
    [
      'URL: GET https://v/v1/secret/data/a/b\nCode: 403. Errors:\n\n* permission denied',
      'read',
    ],
    [
      'URL: GET https://v/v1/secret/metadata/a/b\nCode: 403. Errors:\n\n* permission denied',
      'metadata',
    ],
    [
      'unable to log in with Kubernetes auth: Put "https://v/v1/auth/kubernetes/login": EOF',
      'login',
    ],
    ['error from Vault request: something', 'login'],
    ['cannot read secret data from Vault: something', 'read'],
    ['Secret does not exist', undefined],
  ])('operation of %j → %s', (text, operation) => {
    expect(parseErrorText([text]).operation).toBe(operation);
  });

  it('tells the direction of TLS and transport failures', () => {
    const toVault = parseErrorText([
      'Put "https://vault:8200/v1/auth/kubernetes/login": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    ]);
    expect(toVault).toMatchObject({
      tls: 'unknown-authority',
      tokenReview: false,
    });
    const fromVault = parseErrorText([
      'Post "https://k8s:6443/apis/authentication.k8s.io/v1/tokenreviews": x509: certificate signed by unknown authority',
    ]);
    expect(fromVault).toMatchObject({
      tls: 'unknown-authority',
      tokenReview: true,
    });
    const inVaultAnswer = parseErrorText([
      'URL: PUT http://v/v1/auth/kubernetes/login\nCode: 500. Errors:\n\n* dial tcp 10.0.0.1:6443: i/o timeout',
    ]);
    expect(inVaultAnswer).toMatchObject({
      transport: 'timeout',
      tokenReview: true,
    });
  });

  it.each([
    [
      'x509: certificate is valid for ingress.local, not vault.demo',
      'hostname',
    ],
    [
      "x509: cannot validate certificate for 10.0.0.5 because it doesn't contain any IP SANs",
      'hostname',
    ],
    [
      'x509: certificate has expired or is not yet valid: current time …',
      'expired',
    ],
    [
      'x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error")',
      'unknown-authority',
    ],
    ['remote error: tls: handshake failure', undefined],
  ])('TLS problem of %j → %s', (text, tls) => {
    expect(parseErrorText([text]).tls).toBe(tls);
  });

  it.each([
    ['dial tcp: lookup vault on 10.0.0.10:53: no such host', 'dns'],
    ['dial tcp 10.0.0.1:8200: connect: connection refused', 'refused'],
    ['context deadline exceeded', 'timeout'],
    [
      'net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
      'timeout',
    ],
    ['dial tcp 10.0.0.1:8200: connect: no route to host', 'unreachable'],
    ['read: connection reset by peer', 'reset'],
    ['permission denied', undefined],
  ])('transport problem of %j → %s', (text, transport) => {
    expect(parseErrorText([text]).transport).toBe(transport);
  });

  it('reads controller-log JSON escapes like real newlines and quotes', () => {
    const s = parseErrorText([
      'error from Vault request: Error making API request.\\n\\nURL: POST https://v/v1/auth/k/login\\nCode: 500. Errors:\\n\\n* claim \\"iss\\" is invalid',
    ]);
    expect(s.code).toBe(500);
    expect(s.login.issuer).toBe(true);
  });

  it("marks ESO's generic condition texts as telling nothing", () => {
    expect(
      parseErrorText(['could not get secret data from provider']).eso.generic,
    ).toBe(true);
    expect(
      parseErrorText([
        'unable to validate store',
        'could not get provider client',
      ]).eso.generic,
    ).toBe(true);
    expect(
      parseErrorText([
        'could not get secret data from provider',
        'Secret does not exist',
      ]).eso.generic,
    ).toBe(false);
  });

  it('never throws on any input', () => {
    for (const value of [
      undefined,
      null,
      42,
      {},
      [],
      '\u0000\u0001',
      'URL: GET',
      'Code: 403.',
    ] as any[]) {
      expect(() => parseErrorText([value])).not.toThrow();
    }
  });
});

describe('boundText', () => {
  it('cuts huge messages and says so', () => {
    const { text, truncated } = boundText('x'.repeat(MAX_MESSAGE_CHARS * 10));
    expect(text).toHaveLength(MAX_MESSAGE_CHARS);
    expect(truncated).toBe(true);
  });

  it('replaces control and binary characters', () => {
    expect(boundText('a\u0000b\u0007c\ufffdd').text).toBe('a b c d');
  });

  it('ignores what is not text', () => {
    expect(boundText({ not: 'text' }).text).toBe('');
  });
});

describe('failingKeyOf', () => {
  it.each([
    [
      'error processing spec.data[0] (key: example-api/env-file), err: x',
      'example-api/env-file',
    ],
    [
      'error retrieving secret at .data[1], key: app/config, err: x',
      'app/config',
    ],
    ['error processing spec.dataFrom[0].find, err: x', undefined],
  ])('%j → %s', (text, key) => {
    expect(failingKeyOf(text)).toBe(key);
  });
});
