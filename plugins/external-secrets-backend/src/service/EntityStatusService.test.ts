import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import type { Entity } from '@backstage/catalog-model';
import {
  entitySelection,
  lastDataChangeOf,
  targetSecretOf,
} from './EntityStatusService';

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

function entityWith(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'example-api', namespace: 'default', annotations },
  };
}

describe('entitySelection (which ExternalSecrets an entity may show and sync)', () => {
  it.each([
    [
      { 'backstage.io/kubernetes-id': 'example-api' },
      'backstage.io/kubernetes-id=example-api',
    ],
    [
      { 'backstage.io/kubernetes-label-selector': 'app in (a,b),!legacy' },
      'app in (a,b),!legacy',
    ],
  ])('accepts %j', (annotations, text) => {
    expect(entitySelection(entityWith(annotations))?.selector.text).toBe(text);
  });

  it('has nothing to show without annotations', () => {
    expect(entitySelection(entityWith({}))).toBeUndefined();
  });

  it.each([
    [
      { 'backstage.io/kubernetes-label-selector': '!legacy' },
      /pins no label to a value/,
    ],
    [
      { 'backstage.io/kubernetes-label-selector': 'app' },
      /pins no label to a value/,
    ],
    [
      { 'backstage.io/kubernetes-label-selector': 'app notin (x)' },
      /pins no label to a value/,
    ],
    [
      {
        'backstage.io/kubernetes-label-selector': '  ',
        'backstage.io/kubernetes-id': 'x',
      },
      /empty backstage.io\/kubernetes-label-selector/,
    ],
    [
      { 'backstage.io/kubernetes-label-selector': 'a b c' },
      /invalid Kubernetes label selector/,
    ],
  ])('refuses %j', (annotations, message) => {
    expect(() => entitySelection(entityWith(annotations))).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringMatching(message),
      }),
    );
  });
});

describe('lastDataChangeOf', () => {
  const created = '2026-12-02T01:00:00Z';
  const event = (reason: string, lastTimestamp: string, type = 'Normal') => ({
    type,
    reason,
    message: '',
    lastTimestamp,
    metadata: { creationTimestamp: created as unknown as Date },
  });
  it.each<[string, ReturnType<typeof event>[], string | undefined]>([
    ['no event kept', [], undefined],
    [
      'the newest Created/Updated by the time ESO recorded, not by creation',
      [
        event('Created', '2026-12-01T14:00:00Z'),
        event('Updated', '2026-12-01T14:02:30Z'),
      ],
      '2026-12-01T14:02:30.000Z',
    ],
    [
      'Warnings and other Normal events are no data change',
      [
        event('Created', '2026-12-01T14:00:00Z'),
        event('UpdateFailed', '2026-12-01T14:05:00Z', 'Warning'),
        event('Deleted', '2026-12-01T14:06:00Z'),
      ],
      '2026-12-01T14:00:00.000Z',
    ],
  ])('%s', (_name, events, expected) => {
    expect(lastDataChangeOf(events as never)).toBe(expected);
  });
});
