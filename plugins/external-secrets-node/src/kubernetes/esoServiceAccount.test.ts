import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readEsoServiceAccount } from './esoServiceAccount';

function read(eso: JsonObject | undefined) {
  return readEsoServiceAccount(
    new ConfigReader(
      eso ? { externalSecrets: { clusterManifests: { eso } } } : {},
    ),
  );
}

describe('readEsoServiceAccount', () => {
  it("defaults to the account ESO's Helm chart installs", () => {
    expect(read(undefined)).toEqual({
      namespace: 'external-secrets',
      name: 'external-secrets',
    });
    expect(read({ chartVersion: '2.9.0' })).toEqual({
      namespace: 'external-secrets',
      name: 'external-secrets',
    });
  });

  it('reads the configured namespace and account', () => {
    expect(
      read({ namespace: 'eso', serviceAccount: 'eso-controller' }),
    ).toEqual({ namespace: 'eso', name: 'eso-controller' });
  });

  it('refuses a value that is not a Kubernetes name, naming the key', () => {
    expect(() => read({ namespace: 'Not A Namespace' })).toThrow(
      /^Invalid externalSecrets\.clusterManifests\.eso\.namespace: /,
    );
    expect(() => read({ serviceAccount: 'a/b' })).toThrow(
      /^Invalid externalSecrets\.clusterManifests\.eso\.serviceAccount: /,
    );
  });
});
