import { ApiException } from '@kubernetes/client-node';
import { describeKubernetesError } from './kubernetesErrors';

describe('describeKubernetesError', () => {
  it.each([
    [
      new ApiException(
        403,
        'Forbidden',
        {
          kind: 'Status',
          message:
            'externalsecrets.external-secrets.io "x" is forbidden: User "system:serviceaccount:backstage:backstage" cannot patch resource',
        },
        { 'audit-id': 'abc' },
      ),
      "the backend's token is not allowed to do this (RBAC) (HTTP 403)",
    ],
    [
      Object.assign(
        new Error(
          'request to https://10.0.0.12:6443/apis/x failed, reason: connect ECONNREFUSED 10.0.0.12:6443',
        ),
        { code: 'ECONNREFUSED', type: 'system' },
      ),
      'connection refused',
    ],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND k8s.internal.corp'), {
        code: 'ENOTFOUND',
      }),
      'the host name does not resolve (DNS)',
    ],
    [
      new Error('Premature close'),
      'the connection closed before the answer was complete',
    ],
    [
      Object.assign(new Error('The operation was aborted.'), {
        name: 'AbortError',
      }),
      'no answer in time',
    ],
    [
      Object.assign(new Error('self-signed certificate in certificate chain'), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      }),
      "the API server's TLS certificate is not signed by the configured CA",
    ],
    [new Error('something odd at 10.1.2.3'), 'request failed'],
  ])('%s → %s', (error, expected) => {
    const text = describeKubernetesError(error);
    expect(text).toBe(expected);
    expect(text).not.toMatch(/10\.|system:serviceaccount|corp|audit/);
  });
});
