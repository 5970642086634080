import { classifyPushSecret } from '@gitops-secrets/plugin-external-secrets-common';
import type { PushSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { diagnosePushSecret } from './pushSecret';

const NOW = new Date('2026-01-01T12:00:00Z');

function findings(message: string, spec: PushSecretObject['spec'] = {}) {
  const ps: PushSecretObject = {
    metadata: { namespace: 'example-api', name: 'push-env' },
    spec: {
      selector: { secret: { name: 'env-source' } },
      secretStoreRefs: [
        { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      ],
      data: [
        {
          match: {
            secretKey: 'dotenv',
            remoteRef: { remoteKey: 'example-api/env-file' },
          },
        },
      ],
      ...spec,
    },
    status: {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Errored', message },
      ],
    },
  };
  return diagnosePushSecret({
    pushSecret: ps,
    classification: classifyPushSecret(ps, NOW),
    stores: [{ kind: 'ClusterSecretStore', name: 'vault-example-api' }],
    cluster: { name: 'cluster-a' },
  });
}

const denied = (method: string, path: string) =>
  `Error making API request.\n\nURL: ${method} https://vault.example.test:8200/v1/${path}\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n`;

describe('diagnosePushSecret', () => {
  it.each([
    [
      'PUT',
      'secret/metadata/example-api/env-file',
      '"create" and "update" on secret/metadata/example-api/env-file',
    ],
    [
      'PUT',
      'secret/data/example-api/env-file',
      '"create" and "update" on secret/data/example-api/env-file',
    ],
    [
      'GET',
      'secret/data/example-api/env-file',
      '"read" on secret/data/example-api/env-file',
    ],
  ])(
    'a %s denied on %s names the capability the policy lacks',
    (method, path, needed) => {
      const [first] = findings(
        `set secret failed: could not write remote ref dotenv to target secretstore vault-example-api: ${denied(
          method,
          path,
        )}`,
      );
      expect(first.code).toBe('PUSH_POLICY_DENIES');
      expect(first.summary).toContain(needed);
      expect(first.summary).toContain('vault-example-api');
    },
  );

  it('a denied delete under deletionPolicy Delete names "delete" and says why the PushSecret keeps failing', () => {
    const result = findings(
      `Failed to Delete Secrets from Provider: could not delete secret example-api/old: ${denied(
        'DELETE',
        'secret/data/example-api/old',
      )}`,
      { deletionPolicy: 'Delete' },
    );
    expect(result.map(f => f.code)).toEqual([
      'PUSH_POLICY_DENIES',
      'PUSH_DELETE_FAILED',
    ]);
    expect(result[0].summary).toContain(
      '"delete" on secret/data/example-api/old',
    );
    expect(result[0].summary).toContain('deletionPolicy: Delete');
  });

  it('names the remote key of a secret ESO does not manage, and offers IfNotExists', () => {
    const [first] = findings(
      'set secret failed: could not write remote ref dotenv to target secretstore vault-example-api: secret not managed by external-secrets',
    );
    expect(first.code).toBe('PUSH_NOT_MANAGED_BY_ESO');
    expect(first.summary).toContain('"example-api/env-file"');
    expect(first.fix).toContain('updatePolicy: IfNotExists');
  });

  it('names the source Secret the PushSecret selects when it cannot be read', () => {
    const [first] = findings('could not get source secret');
    expect(first.code).toBe('PUSH_SOURCE_SECRET_MISSING');
    expect(first.summary).toContain('"env-source"');
  });

  it('a login failure without the store object shows the raw error instead of a guess', () => {
    const [first] = findings(
      'set secret failed: could not get secrets client for store vault-example-api: unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT https://vault.example.test:8200/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied',
    );
    expect(first.code).toBe('UNRECOGNISED_ERROR');
    expect(first.fix).toContain(
      'kubectl describe pushsecret push-env -n example-api',
    );
  });

  it('says nothing about a PushSecret that synced with the default policies', () => {
    const ps: PushSecretObject = {
      metadata: { namespace: 'example-api', name: 'push-env', generation: 1 },
      spec: { refreshInterval: '1h' },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Synced',
            message: 'PushSecret synced successfully',
          },
        ],
        refreshTime: '2026-01-01T11:59:00Z',
        syncedResourceVersion: '1-abc',
      },
    };
    expect(
      diagnosePushSecret({
        pushSecret: ps,
        classification: classifyPushSecret(ps, NOW),
        stores: [],
        cluster: { name: 'cluster-a' },
      }),
    ).toEqual([]);
  });
});
