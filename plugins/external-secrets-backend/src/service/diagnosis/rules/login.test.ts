import type { CorpusSetup } from '../corpus';
import type { Rule } from '../types';
import { findingsOf } from '../__testUtils__/diagnosisInput';
import {
  scenarioContext,
  Scenario,
  CLUSTER_CA,
} from '../__testUtils__/diagnosisInput';
import {
  audienceMismatch,
  compareAuthConfig,
  issuerInvalid,
  reviewerJwtRejected,
  roleBindingMismatch,
  roleMissing,
  vaultAuthCaMismatch,
  vaultAuthHostMismatch,
  vaultLoginDenied,
  vaultTokenRejected,
} from './login';

type Row = [string, Partial<Scenario>, boolean];

function table(rule: Rule, rows: Row[]) {
  describe(`${rule.code}`, () => {
    it.each(rows)('%s → fires: %s', (_title, scenario, fires) => {
      const result = rule.evaluate(scenarioContext(scenario));
      const findings = findingsOf(result);
      expect(findings.length > 0).toBe(fires);
    });
  });
}

const LOGIN_403 =
  'unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT https://vault.example.test:8200/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied';
const READ_403 =
  'cannot read secret data from Vault: Error making API request.\n\nURL: GET https://vault.example.test:8200/v1/secret/data/example-api/env-file\nCode: 403. Errors:\n\n* permission denied';
const PROPERTY = 'cannot find secret data for key: "dotenv"';
const facts = (f: CorpusSetup['facts']): Partial<Scenario> => ({
  text: LOGIN_403,
  setup: { facts: f },
});

table(issuerInvalid, [
  [
    'old Vault 500',
    { text: 'Code: 500. Errors:\n\n* claim "iss" is invalid' },
    true,
  ],
  ['cap/jwt wording', { text: '* invalid issuer (iss) claim' }, true],
  ['audience is another finding', { text: '* claim "aud" is invalid' }, false],
]);

table(audienceMismatch, [
  ['old Vault 500', { text: '* claim "aud" is invalid' }, true],
  [
    'cap/jwt wording',
    {
      text: '* invalid audience (aud) claim: audience claim does not match any expected audience',
    },
    true,
  ],
  ['bare 403 and nothing known', { text: LOGIN_403 }, false],
]);

table(roleMissing, [
  [
    'invalid role name',
    { text: 'Code: 400. Errors:\n\n* invalid role name "x"' },
    true,
  ],
  [
    'Vault has no such role and the login is denied',
    facts('role-missing'),
    true,
  ],
  [
    'Vault has no such role but ESO reads a property',
    { text: PROPERTY, setup: { facts: 'role-missing' } },
    false,
  ],
  ['role exists', facts('matching'), false],
]);

table(roleBindingMismatch, [
  [
    'service account name not authorized',
    { text: '* service account name not authorized' },
    true,
  ],
  ['namespace not authorized', { text: '* namespace not authorized' }, true],
  [
    'role bound to another account, login denied',
    facts('bound-elsewhere'),
    true,
  ],
  [
    'role bound to another account, but the read failed',
    { text: READ_403, setup: { facts: 'bound-elsewhere' } },
    false,
  ],
  ['role bound correctly', facts('matching'), false],
]);

table(vaultTokenRejected, [
  [
    'token auth, lookup-self denied',
    {
      text: 'invalid vault credentials: Error making API request.\n\nURL: GET https://v/v1/auth/token/lookup-self\nCode: 403. Errors:\n\n* permission denied',
      setup: { store: 'vault-token' },
    },
    true,
  ],
  [
    'Kubernetes auth, lookup-self denied',
    {
      text: 'invalid vault credentials: Error making API request.\n\nURL: GET https://v/v1/auth/token/lookup-self\nCode: 403. Errors:\n\n* permission denied',
    },
    false,
  ],
]);

table(vaultAuthHostMismatch, [
  ['auth config points elsewhere', facts('old-host'), true],
  [
    'TokenReview DNS failure',
    {
      text: 'Post "https://kubernetes:443/apis/authentication.k8s.io/v1/tokenreviews": dial tcp: lookup kubernetes: no such host',
    },
    true,
  ],
  [
    'TokenReview name not in the certificate',
    {
      text: 'Post "https://cluster2:8443/apis/authentication.k8s.io/v1/tokenreviews": x509: certificate is valid for cluster1, not cluster2',
    },
    true,
  ],
  [
    'transport error inside the login 500',
    {
      text: 'URL: PUT http://v/v1/auth/kubernetes/login\nCode: 500. Errors:\n\n* read tcp 1.1.1.1:1->2.2.2.2:6443: read: connection reset by peer',
    },
    true,
  ],
  ['auth config matches', facts('matching'), false],
  [
    'old host but the read failed (login worked)',
    { text: READ_403, setup: { facts: 'old-host' } },
    false,
  ],
  [
    'ESO cannot reach Vault',
    {
      text: 'Put "https://vault:8200/v1/auth/kubernetes/login": dial tcp: lookup vault: no such host',
    },
    false,
  ],
]);

table(vaultAuthCaMismatch, [
  ['auth config holds another CA', facts('other-ca'), true],
  [
    'TokenReview unknown authority',
    {
      text: 'Post "https://k8s:6443/apis/authentication.k8s.io/v1/tokenreviews": x509: certificate signed by unknown authority',
    },
    true,
  ],
  [
    'ESO → Vault unknown authority',
    {
      text: 'Put "https://vault:8200/v1/auth/kubernetes/login": x509: certificate signed by unknown authority',
    },
    false,
  ],
  ['auth config matches', facts('matching'), false],
]);

table(reviewerJwtRejected, [
  ['auth config matches, login denied', facts('matching'), true],
  ['client-JWT mode', facts('client-jwt'), true],
  [
    'TokenReview forbidden',
    {
      text: '* {"kind":"Status","message":"tokenreviews.authentication.k8s.io is forbidden: User \\"system:serviceaccount:vault:vault\\" cannot create resource \\"tokenreviews\\""}',
    },
    true,
  ],
  ['nothing compared', { text: LOGIN_403 }, false],
  ['host differs', facts('old-host'), false],
]);

table(vaultLoginDenied, [
  ['nothing compared', { text: LOGIN_403 }, true],
  ['host differs: the host finding says it', facts('old-host'), false],
  [
    'everything matches: the reviewer finding says it',
    facts('matching'),
    false,
  ],
  [
    'a named rejection',
    { text: '* service account name not authorized' },
    false,
  ],
]);

describe('compareAuthConfig', () => {
  it('compares the CA however the cluster CA is given', () => {
    const base = { text: LOGIN_403, setup: { facts: 'matching' as const } };
    const withPem = scenarioContext(base);
    expect(compareAuthConfig(withPem)).toEqual({
      read: true,
      hostMatches: true,
      caMatches: true,
    });
    const withCaData = scenarioContext(base, input => {
      input.cluster = {
        ...input.cluster,
        caPem: undefined,
        caData: Buffer.from(CLUSTER_CA).toString('base64'),
      };
    });
    expect(compareAuthConfig(withCaData).caMatches).toBe(true);
    const unknownCa = scenarioContext(base, input => {
      input.cluster = { ...input.cluster, caPem: undefined };
    });
    expect(compareAuthConfig(unknownCa).caMatches).toBeUndefined();
  });

  it('accepts a Vault bundle that contains the cluster CA', () => {
    const ctx = scenarioContext(
      { text: LOGIN_403, setup: { facts: 'matching' } },
      input => {
        input.vault!.authConfig!.kubernetesCaCert = `${CLUSTER_CA}-----BEGIN CERTIFICATE-----\nT1RIRVI=\n-----END CERTIFICATE-----\n`;
      },
    );
    expect(compareAuthConfig(ctx).caMatches).toBe(true);
  });

  it('treats default ports and trailing slashes as the same host', () => {
    const ctx = scenarioContext(
      { text: LOGIN_403, setup: { facts: 'matching' } },
      input => {
        input.cluster.url = 'https://cluster-a.example.test:443/';
        input.vault!.authConfig!.kubernetesHost =
          'https://CLUSTER-A.example.test';
      },
    );
    expect(compareAuthConfig(ctx).hostMatches).toBe(true);
  });
});
