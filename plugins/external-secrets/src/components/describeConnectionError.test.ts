import { describeConnectionError } from './describeConnectionError';

describe('describeConnectionError', () => {
  it.each([
    [
      'ExternalSecret: Premature close',
      'the connection broke off before the answer was complete',
    ],
    [
      'read ECONNRESET',
      'the connection broke off before the answer was complete',
    ],
    [
      'socket hang up',
      'the connection broke off before the answer was complete',
    ],
    [
      'connect ECONNREFUSED 127.0.0.1:6443',
      'nothing accepted the connection at its address',
    ],
    ['connect ETIMEDOUT 10.0.0.1:6443', 'it did not answer in time'],
    ['request timed out after 10000 ms', 'it did not answer in time'],
    ['getaddrinfo ENOTFOUND k8s.example.com', 'its host name does not resolve'],
    [
      'self-signed certificate in certificate chain',
      'its TLS certificate is not trusted: check the CA in the configuration',
    ],
    ['HTTP 401 Unauthorized', 'it refused the credentials (401)'],
    ['HTTP 403 Forbidden', 'it refused access to the objects (403)'],
  ])('%s → %s', (raw, words) => {
    expect(describeConnectionError(raw)).toBe(words);
  });

  it('leaves an unknown error to be shown as it is', () => {
    expect(
      describeConnectionError('the flux capacitor melted'),
    ).toBeUndefined();
  });
});
