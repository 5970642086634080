import type { Rule } from '../types';
import { findingsOf } from '../__testUtils__/diagnosisInput';
import { scenarioContext, Scenario } from '../__testUtils__/diagnosisInput';
import {
  serviceAccountNotFound,
  serviceAccountRefForeignNamespace,
  storeMissing,
  storeNamespaceNotAllowed,
  storeNotReady,
  storePathIncludesData,
} from './store';

type Row = [string, Partial<Scenario>, boolean];

function table(rule: Rule, rows: Row[]) {
  describe(`${rule.code}`, () => {
    it.each(rows)('%s → fires: %s', (_title, scenario, fires) => {
      const result = rule.evaluate(scenarioContext(scenario));
      const findings = findingsOf(result);
      expect(findings.length > 0).toBe(fires);
      findings.forEach(f => expect(f.code).toBe(rule.code));
    });
  });
}

table(storeMissing, [
  [
    'store not in the cluster',
    { text: 'x', setup: { store: 'missing' } },
    true,
  ],
  [
    'ESO says the store was not found',
    {
      text: 'could not get ClusterSecretStore "vault-backend-apps", ClusterSecretStore.external-secrets.io "vault-backend-apps" not found',
    },
    true,
  ],
  ['store present', { text: 'Secret does not exist' }, false],
]);

table(storeNotReady, [
  [
    'store Ready=False',
    {
      text: 'unable to validate store',
      object: 'ClusterSecretStore',
      channel: 'condition',
    },
    true,
  ],
  [
    'ExternalSecret names the store not ready',
    { text: 'ClusterSecretStore "vault-example-api" is not ready' },
    true,
  ],
  [
    'older wording',
    { text: 'the desired SecretStore vault-backend is not ready' },
    true,
  ],
  ['store Ready=True, other error', { text: 'Secret does not exist' }, false],
  [
    'store missing',
    { text: 'is not ready', setup: { store: 'missing' } },
    false,
  ],
]);

table(storePathIncludesData, [
  [
    'path with data on v2',
    { text: 'Secret does not exist', setup: { store: 'vault-path-with-data' } },
    true,
  ],
  ['path is the mount', { text: 'Secret does not exist' }, false],
]);

table(storeNamespaceNotAllowed, [
  [
    'spec.conditions refuse the namespace',
    {
      text: 'using cluster store "vault-example-api" is not allowed from namespace "example-worker": denied by spec.condition',
    },
    true,
  ],
  ['another namespace error', { text: 'namespace not authorized' }, false],
]);

table(serviceAccountNotFound, [
  [
    'TokenRequest for a missing account',
    {
      text: 'cannot request Kubernetes service account token for service account "x": serviceaccounts "x" not found',
    },
    true,
  ],
  ['another not found', { text: 'secrets "vault-token" not found' }, false],
]);

table(serviceAccountRefForeignNamespace, [
  [
    'namespaced store, foreign account',
    {
      text: 'x',
      object: 'SecretStore',
      setup: { store: 'vault-namespaced-foreign-sa' },
    },
    true,
  ],
  [
    "ESO's namespace refusal",
    {
      text: 'could not get provider client: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore',
      object: 'SecretStore',
    },
    true,
  ],
  [
    'namespaced store, own account',
    { text: 'x', object: 'SecretStore' },
    false,
  ],
  [
    'cluster store naming a namespace',
    { text: 'x', object: 'ClusterSecretStore' },
    false,
  ],
]);
