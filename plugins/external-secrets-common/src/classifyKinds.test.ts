import {
  classifyClusterExternalSecret,
  classifyPushSecret,
  pushDeletionPolicyOf,
  pushUpdatePolicyOf,
  type PushSecretLike,
} from './classifyKinds';
import type { SyncState } from './status';

const NOW = new Date('2026-01-01T12:00:00Z');

describe('classifyPushSecret', () => {
  it.each([
    ['not reported yet', {}, 'Pending', /PushSecret yet/],
    [
      'failed: the condition holds the real error',
      {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Errored',
            message: 'could not get source secret',
          },
        ],
      },
      'Error',
      /^could not get source secret$/,
    ],
    [
      'synced recently',
      {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Synced' }],
        refreshTime: '2026-01-01T11:30:00Z',
        syncedResourceVersion: '1-a',
      },
      'Synced',
      /^$/,
    ],
    [
      'synced, but more than two intervals ago',
      {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Synced' }],
        refreshTime: '2026-01-01T09:00:00Z',
        syncedResourceVersion: '1-a',
      },
      'Stale',
      /twice the refresh interval/,
    ],
  ] as Array<[string, PushSecretLike['status'], SyncState, RegExp]>)(
    '%s',
    (_what, status, state, message) => {
      const result = classifyPushSecret(
        {
          metadata: { generation: 1 },
          spec: { refreshInterval: '1h' },
          status,
        },
        NOW,
      );
      expect(result.state).toBe(state);
      expect(result.message ?? '').toMatch(message);
    },
  );

  it("reads ESO's policy defaults: Replace and None", () => {
    expect(pushUpdatePolicyOf({})).toBe('Replace');
    expect(pushDeletionPolicyOf({})).toBe('None');
    expect(pushUpdatePolicyOf({ spec: { updatePolicy: 'IfNotExists' } })).toBe(
      'IfNotExists',
    );
    expect(pushDeletionPolicyOf({ spec: { deletionPolicy: 'Delete' } })).toBe(
      'Delete',
    );
  });
});

describe('classifyClusterExternalSecret', () => {
  it.each([
    ['not reported yet', {}, 'Pending'],
    [
      'every namespace provisioned',
      { conditions: [{ type: 'Ready', status: 'True' }] },
      'Synced',
    ],
    [
      'a namespace failed',
      {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            message: 'one or more namespaces failed',
          },
        ],
        failedNamespaces: [
          {
            namespace: 'a',
            reason: 'external secret already exists in namespace',
          },
        ],
      },
      'Error',
    ],
    [
      'failed namespaces without a condition',
      { failedNamespaces: [{ namespace: 'a' }] },
      'Error',
    ],
    [
      'Ready Unknown',
      { conditions: [{ type: 'Ready', status: 'Unknown' }] },
      'Unknown',
    ],
  ])('%s', (_what, status, state) => {
    expect(classifyClusterExternalSecret({ status }).state).toBe(state);
  });
});
