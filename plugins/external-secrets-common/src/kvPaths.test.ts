import { InputError } from '@backstage/errors';
import {
  kvApiPath,
  kvListPath,
  kvPaths,
  kvPolicyPaths,
  parseKvVersion,
} from './kvPaths';

describe('kvPaths', () => {
  it.each([
    [
      'secret',
      'example-api/env-file',
      2,
      {
        data: 'secret/data/example-api/env-file',
        metadata: 'secret/metadata/example-api/env-file',
        remoteRefKey: 'example-api/env-file',
      },
    ],
    [
      'secret',
      'example-api/env-file',
      1,
      {
        data: 'secret/example-api/env-file',
        metadata: 'secret/example-api/env-file',
        remoteRefKey: 'example-api/env-file',
      },
    ],
    [
      'kv/team-a',
      'example-worker/config-file',
      2,
      {
        data: 'kv/team-a/data/example-worker/config-file',
        metadata: 'kv/team-a/metadata/example-worker/config-file',
        remoteRefKey: 'example-worker/config-file',
      },
    ],
  ] as const)('%s + %s on KV v%s', (mount, key, version, expected) => {
    expect(kvPaths(mount, key, version)).toEqual(expected);
  });

  it.each([
    ['secret/data', 'example-api/env-file'],
    ['secret', '../sys/policies/acl/root'],
    ['secret', 'example-api/*'],
    ['secret', '/example-api'],
    ['', 'example-api'],
    ['secret', ''],
  ])('refuses mount %j with key %j', (mount, key) => {
    expect(() => kvPaths(mount, key, 2)).toThrow(InputError);
  });
});

describe('kvPolicyPaths', () => {
  it('gives the data/ and metadata/ paths a KV v2 read policy needs', () => {
    expect(kvPolicyPaths('secret', 'example-api', 2)).toEqual({
      read: 'secret/data/example-api/*',
      list: 'secret/metadata/example-api/*',
    });
  });

  it('gives the plain path on KV v1', () => {
    expect(kvPolicyPaths('secret', 'example-api', 1)).toEqual({
      read: 'secret/example-api/*',
      list: 'secret/example-api/*',
    });
  });

  it('refuses a glob prefix', () => {
    expect(() => kvPolicyPaths('secret', '*', 2)).toThrow(InputError);
    expect(() => kvPolicyPaths('secret', 'example+', 2)).toThrow(InputError);
  });
});

describe('parseKvVersion', () => {
  it.each([
    ['2', 2],
    [2, 2],
    ['v2', 2],
    ['V1', 1],
    [1, 1],
    ['1', 1],
    [undefined, undefined],
    ['', undefined],
    ['3', undefined],
    ['two', undefined],
  ] as const)('%j → %j', (input, expected) => {
    expect(parseKvVersion(input)).toBe(expected);
  });
});

describe('kvApiPath', () => {
  it.each([
    [
      'secret',
      'example-api/env-file',
      2,
      'data',
      'secret/data/example-api/env-file',
    ],
    [
      'secret',
      'example-api/env-file',
      2,
      'metadata',
      'secret/metadata/example-api/env-file',
    ],
    [
      'secret',
      'example-api/env-file',
      1,
      'data',
      'secret/example-api/env-file',
    ],
    [
      'secret',
      'example-api/env-file',
      1,
      'metadata',
      'secret/example-api/env-file',
    ],
    [
      'secret/',
      '/example-api/env-file/',
      2,
      'data',
      'secret/data/example-api/env-file',
    ],
    // a key that repeats the mount is not prefixed twice (ESO strips it)
    [
      'secret',
      'secret/example-api/env-file',
      2,
      'data',
      'secret/data/example-api/env-file',
    ],
    [
      'secret',
      'secret/data/example-api/env-file',
      2,
      'data',
      'secret/data/example-api/env-file',
    ],
    [
      'secret',
      'secret/example-api/env-file',
      1,
      'data',
      'secret/example-api/env-file',
    ],
    ['kv/team-a', 'app/config', 2, 'data', 'kv/team-a/data/app/config'],
    // no mount on the store: the key's first segment is the mount
    [undefined, 'secret/app/config', 2, 'data', 'secret/data/app/config'],
    [undefined, 'secret/data/app/config', 2, 'data', 'secret/data/app/config'],
    [
      undefined,
      'secret/data/app/config',
      2,
      'metadata',
      'secret/metadata/app/config',
    ],
    [undefined, 'secret/app/config', 1, 'data', 'secret/app/config'],
    ['secret', '', 2, 'metadata', 'secret/metadata'],
  ] as const)('%s + %s (v%s, %s) → %s', (mount, key, version, kind, path) => {
    expect(kvApiPath(mount, key, version, kind)).toBe(path);
  });

  it('never throws on text a cluster object may hold', () => {
    expect(kvApiPath('secret', 'a b/../c', 2)).toBe('secret/data/a b/../c');
  });
});

describe('kvListPath', () => {
  it.each([
    ['secret', 'example-api', 2, 'secret/metadata/example-api'],
    ['secret', undefined, 2, 'secret/metadata'],
    ['secret', 'example-api', 1, 'secret/example-api'],
  ] as const)('%s + find.path %s (v%s) → %s', (mount, path, version, out) => {
    expect(kvListPath(mount, path, version)).toBe(out);
  });
});
