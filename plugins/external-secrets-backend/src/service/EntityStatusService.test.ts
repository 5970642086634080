import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { targetSecretOf } from './EntityStatusService';

function es(status?: ExternalSecretObject['status']): ExternalSecretObject {
  return {
    metadata: { name: 'example-api-env-file', namespace: 'example-api' },
    spec: {
      target: { name: 'example-api-env' },
      data: [
        { secretKey: '.env', remoteRef: { key: 'example-api/env-file' } },
        { secretKey: '.env', remoteRef: { key: 'example-api/other' } },
        { secretKey: 'token', remoteRef: { key: 'example-api/token' } },
      ],
    },
    status,
  };
}

const ready = (status: string, reason: string) => ({
  conditions: [{ type: 'Ready', status, reason }],
});

describe('targetSecretOf (the target Secret from the ExternalSecret alone)', () => {
  it.each([
    [
      'synced and bound',
      es({ ...ready('True', 'SecretSynced'), binding: { name: 'bound-name' } }),
      { name: 'bound-name', exists: true, keys: ['.env', 'token'] },
    ],
    [
      'synced, no binding reported (older ESO)',
      es(ready('True', 'SecretSynced')),
      { name: 'example-api-env', exists: true, keys: ['.env', 'token'] },
    ],
    [
      'failing now, written before',
      es({
        ...ready('False', 'SecretSyncedError'),
        binding: { name: 'example-api-env' },
        refreshTime: '2026-01-01T00:00:00Z',
      }),
      { name: 'example-api-env', exists: true, keys: ['.env', 'token'] },
    ],
    [
      'never synced',
      es(ready('False', 'SecretSyncedError')),
      { name: 'example-api-env', exists: false, keys: [] },
    ],
    [
      'SecretMissing',
      es({
        ...ready('False', 'SecretMissing'),
        binding: { name: 'example-api-env' },
      }),
      { name: 'example-api-env', exists: false, keys: [] },
    ],
    [
      'SecretDeleted',
      es({
        ...ready('False', 'SecretDeleted'),
        binding: { name: 'example-api-env' },
        refreshTime: '2026-01-01T00:00:00Z',
      }),
      { name: 'example-api-env', exists: false, keys: [] },
    ],
    [
      'no status at all',
      es(undefined),
      { name: 'example-api-env', exists: false, keys: [] },
    ],
  ])('%s', (_name, object, expected) => {
    expect(targetSecretOf(object)).toEqual(expected);
  });
});
