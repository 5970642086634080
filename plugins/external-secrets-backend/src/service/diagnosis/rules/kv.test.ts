import type { Rule } from '../types';
import { findingsOf } from '../__testUtils__/diagnosisInput';
import { scenarioContext, Scenario } from '../__testUtils__/diagnosisInput';
import {
  kvVersionMismatch,
  policyDeniesList,
  policyDeniesPath,
  policyMissingKv2DataPath,
  policyUnparseable,
  propertyMissing,
  secretPathMissing,
} from './kv';

type Row = [string, Partial<Scenario>, number];

function table(rule: Rule, rows: Row[]) {
  describe(`${rule.code}`, () => {
    it.each(rows)('%s → %s finding(s)', (_title, scenario, count) => {
      const result = rule.evaluate(scenarioContext(scenario));
      const findings = findingsOf(result);
      expect(findings).toHaveLength(count);
    });
  });
}

const READ_403 =
  'error processing spec.data[0] (key: example-api/env-file), err: cannot read secret data from Vault: Error making API request.\n\nURL: GET https://vault.example.test:8200/v1/secret/data/example-api/env-file\nCode: 403. Errors:\n\n* permission denied';
const LIST_403 =
  'error processing spec.dataFrom[0].find, err: cannot read secret data from Vault: Error making API request.\n\nURL: GET https://vault.example.test:8200/v1/secret/metadata/example-api?list=true\nCode: 403. Errors:\n\n* permission denied';
const GENERIC = 'could not get secret data from provider';
const MISSING =
  'error processing spec.data[0] (key: example-api/env-file), err: Secret does not exist';
const PROPERTY =
  'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"';

table(policyMissingKv2DataPath, [
  [
    'read denied, policy lacks data/',
    { text: READ_403, setup: { facts: 'policy-without-data' } },
    1,
  ],
  [
    'generic failure, policy lacks data/',
    {
      text: GENERIC,
      channel: 'condition',
      setup: { facts: 'policy-without-data' },
    },
    1,
  ],
  ['policy is right', { text: READ_403, setup: { facts: 'matching' } }, 0],
  [
    'property missing: the read worked',
    { text: PROPERTY, setup: { facts: 'policy-without-data' } },
    0,
  ],
  [
    'KV v1 store',
    {
      text: READ_403,
      setup: { facts: 'policy-without-data', store: 'vault-v1' },
    },
    0,
  ],
]);

table(policyDeniesPath, [
  ['read denied, no facts', { text: READ_403 }, 1],
  [
    'read denied, policy for another app',
    { text: READ_403, setup: { facts: 'policy-other-app' } },
    1,
  ],
  [
    'read denied, policy lacks data/ (the other finding)',
    { text: READ_403, setup: { facts: 'policy-without-data' } },
    0,
  ],
  [
    'login denied',
    {
      text: 'unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT https://v/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied',
    },
    0,
  ],
  [
    'a proxy 403',
    {
      text: 'cannot read secret data from Vault: Error making API request.\n\nURL: GET https://v/v1/secret/data/a\nCode: 403. Raw Message:\n\n<html></html>',
    },
    0,
  ],
  ['LIST denied', { text: LIST_403, setup: { externalSecret: 'find' } }, 0],
]);

table(policyDeniesList, [
  ['LIST denied', { text: LIST_403, setup: { externalSecret: 'find' } }, 1],
  [
    'find with a policy lacking list',
    {
      text: GENERIC,
      channel: 'condition',
      setup: { externalSecret: 'find', facts: 'policy-without-list' },
    },
    1,
  ],
  [
    'find with list granted',
    {
      text: GENERIC,
      channel: 'condition',
      setup: { externalSecret: 'find', facts: 'matching' },
    },
    0,
  ],
  ['read denied', { text: READ_403 }, 0],
]);

table(policyUnparseable, [
  [
    'a policy the evaluator cannot parse',
    { text: READ_403, setup: { facts: 'policy-unparseable' } },
    1,
  ],
  ['parseable policies', { text: READ_403, setup: { facts: 'matching' } }, 0],
]);

table(propertyMissing, [
  ['property missing', { text: PROPERTY }, 1],
  ['secret missing', { text: MISSING }, 0],
]);

table(secretPathMissing, [
  ['ESO says the secret does not exist', { text: MISSING }, 1],
  [
    'KV metadata says so too',
    { text: MISSING, setup: { facts: 'secret-missing' } },
    1,
  ],
  [
    'KV metadata says it exists',
    { text: MISSING, setup: { facts: 'secret-exists' } },
    0,
  ],
  [
    'the mount is KV v1 (version mismatch explains it)',
    { text: MISSING, setup: { facts: 'mount-kv1' } },
    0,
  ],
  [
    'generic failure and KV metadata says missing',
    { text: GENERIC, channel: 'condition', setup: { facts: 'secret-missing' } },
    1,
  ],
  [
    'login denied while KV metadata says missing',
    {
      text: 'unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT https://v/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied',
      setup: { facts: 'secret-missing' },
    },
    0,
  ],
]);

table(kvVersionMismatch, [
  ['store v2, mount v1', { text: MISSING, setup: { facts: 'mount-kv1' } }, 1],
  [
    'store v1, mount v2',
    { text: MISSING, setup: { store: 'vault-v1', facts: 'mount-kv2' } },
    1,
  ],
  ['versions agree', { text: MISSING, setup: { facts: 'mount-kv2' } }, 0],
  [
    'login failure is not a KV problem',
    {
      text: 'unable to log in with Kubernetes auth: x509: certificate signed by unknown authority',
      setup: { facts: 'mount-kv1' },
    },
    0,
  ],
]);

describe('policy wording', () => {
  it('is grammatical for one policy and for several', () => {
    const one = policyMissingKv2DataPath.evaluate(
      scenarioContext({
        text: READ_403,
        setup: { facts: 'policy-without-data' },
      }),
    ) as any[];
    expect(one[0].summary).toMatch(
      /^Policy "example-api" grants read on secret\/example-api\/env-file, but KV v2 reads secret\/data\/example-api\/env-file/,
    );
    const ctx = scenarioContext(
      { text: READ_403, setup: { facts: 'policy-without-data' } },
      input => {
        input.vault!.role!.tokenPolicies = ['example-api', 'shared'];
      },
    );
    const two = policyMissingKv2DataPath.evaluate(ctx) as any[];
    expect(two[0].summary).toMatch(
      /^Policies "example-api" and "shared" grant read on/,
    );
  });
});
