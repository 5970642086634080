import { parseApiPath } from './apiPath';

describe('parseApiPath', () => {
  it.each([
    ['/api', { kind: 'discovery', document: 'api' }],
    ['/apis', { kind: 'discovery', document: 'apis' }],
    ['/version', { kind: 'discovery', document: 'version' }],
    [
      '/api/v1',
      { kind: 'discovery', document: 'groupVersion', group: '', version: 'v1' },
    ],
    [
      '/apis/external-secrets.io',
      { kind: 'discovery', document: 'group', group: 'external-secrets.io' },
    ],
    [
      '/api/v1/namespaces',
      {
        kind: 'resource',
        type: expect.objectContaining({ plural: 'namespaces' }),
        namespace: undefined,
        name: undefined,
      },
    ],
    [
      '/api/v1/namespaces/example-api',
      {
        kind: 'resource',
        type: expect.objectContaining({ plural: 'namespaces' }),
        name: 'example-api',
      },
    ],
    [
      '/api/v1/namespaces/example-api/status',
      {
        kind: 'resource',
        type: expect.objectContaining({ plural: 'namespaces' }),
        name: 'example-api',
        subresource: 'status',
      },
    ],
    [
      '/api/v1/namespaces/example-api/secrets',
      {
        kind: 'resource',
        type: expect.objectContaining({ plural: 'secrets' }),
        namespace: 'example-api',
        name: undefined,
      },
    ],
    [
      '/api/v1/secrets',
      {
        kind: 'resource',
        type: expect.objectContaining({ plural: 'secrets' }),
        namespace: undefined,
      },
    ],
    [
      '/api/v1/namespaces/ns/serviceaccounts/sa/token',
      { kind: 'resource', namespace: 'ns', name: 'sa', subresource: 'token' },
    ],
    [
      '/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/es/status',
      {
        kind: 'resource',
        type: expect.objectContaining({ kind: 'ExternalSecret' }),
        namespace: 'ns',
        name: 'es',
        subresource: 'status',
      },
    ],
    [
      '/apis/external-secrets.io/v1/clustersecretstores/vault',
      {
        kind: 'resource',
        type: expect.objectContaining({ kind: 'ClusterSecretStore' }),
        namespace: undefined,
        name: 'vault',
      },
    ],
    ['/apis/external-secrets.io/v1beta1/externalsecrets', { kind: 'unknown' }],
    [
      '/api/v1/pods',
      {
        kind: 'resource',
        type: expect.objectContaining({ kind: 'Pod' }),
        namespace: undefined,
      },
    ],
    ['/api/v1/nodes', { kind: 'unknown' }],
    ['/healthz', { kind: 'unknown' }],
  ])('%s', (path, expected) => {
    expect(parseApiPath(path)).toMatchObject(expected);
  });
});
