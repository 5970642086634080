import type { Rule } from '../types';
import { findingsOf } from '../__testUtils__/diagnosisInput';
import { scenarioContext, Scenario } from '../__testUtils__/diagnosisInput';
import {
  vaultCaUntrusted,
  vaultCertExpired,
  vaultConnectionFailed,
  vaultMountNotFound,
  vaultNotAnsweringAsVault,
  vaultRateLimited,
  vaultSealed,
  vaultTlsHostnameMismatch,
} from './transport';

type Row = [string, string, boolean];

function table(rule: Rule, rows: Row[], base: Partial<Scenario> = {}) {
  describe(`${rule.code}`, () => {
    it.each(rows)('%s → fires: %s', (_title, text, fires) => {
      const result = rule.evaluate(scenarioContext({ ...base, text }));
      const findings = findingsOf(result);
      expect(findings.length > 0).toBe(fires);
    });
  });
}

const LOGIN =
  'unable to log in to auth method: unable to log in with Kubernetes auth: ';
const TOKEN_REVIEW_X509 =
  'login unauthorized due to: Post "https://api.example:6443/apis/authentication.k8s.io/v1/tokenreviews": x509: certificate signed by unknown authority';

table(vaultCaUntrusted, [
  [
    'ESO → Vault unknown authority',
    `${LOGIN}Put "https://vault:8200/v1/auth/kubernetes/login": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    true,
  ],
  [
    'CA provider unreadable',
    'cannot setup new vault client: cannot set Vault CA certificate: failed to parse certificates from CertPool',
    true,
  ],
  [
    'TokenReview unknown authority is the other direction',
    TOKEN_REVIEW_X509,
    false,
  ],
  [
    'hostname mismatch is not an untrusted CA',
    'Get "https://v/v1/auth/token/lookup-self": x509: certificate is valid for a, not b',
    false,
  ],
]);

table(vaultTlsHostnameMismatch, [
  [
    'valid for another name',
    'Get "https://vault.demo/v1/auth/token/lookup-self": tls: failed to verify certificate: x509: certificate is valid for ingress.local, not vault.demo',
    true,
  ],
  [
    'IP without SANs',
    'Put "https://10.0.0.5:8200/v1/auth/kubernetes/login": x509: cannot validate certificate for 10.0.0.5 because it doesn\'t contain any IP SANs',
    true,
  ],
  [
    'TokenReview hostname is Vault → Kubernetes',
    'Post "https://cluster2:8443/apis/authentication.k8s.io/v1/tokenreviews": x509: certificate is valid for cluster1, not cluster2',
    false,
  ],
  ['unknown authority', 'x509: certificate signed by unknown authority', false],
]);

table(vaultCertExpired, [
  [
    'expired',
    'tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2024-09-03T12:00:00Z is after 2024-09-02T22:54:45Z',
    true,
  ],
  ['not TLS', 'Secret does not exist', false],
]);

table(vaultConnectionFailed, [
  [
    'validation timeout',
    'invalid vault credentials: context deadline exceeded',
    true,
  ],
  [
    'DNS on the login URL',
    `${LOGIN}Put "https://vault.example:8200/v1/auth/kubernetes/login": dial tcp: lookup vault.example on 10.0.0.10:53: no such host`,
    true,
  ],
  [
    'refused',
    `${LOGIN}Put "https://vault.example:8200/v1/auth/kubernetes/login": dial tcp 10.1.1.1:8200: connect: connection refused`,
    true,
  ],
  [
    "ESO's Kubernetes call",
    'Get "https://10.0.0.1:443/api/v1/namespaces/staging/secrets/my-secret": dial tcp 10.0.0.1:443: connect: connection refused',
    false,
  ],
  [
    "Vault's TokenReview call",
    'Post "https://k8s:6443/apis/authentication.k8s.io/v1/tokenreviews": dial tcp: lookup k8s: no such host',
    false,
  ],
  [
    'Vault answered (not a transport failure)',
    'URL: PUT https://v/v1/auth/kubernetes/login\nCode: 500. Errors:\n\n* read tcp 1.1.1.1:1->2.2.2.2:6443: read: connection reset by peer',
    false,
  ],
]);

table(vaultSealed, [
  [
    '503 sealed',
    'Error making API request.\n\nURL: POST http://vault:8200/v1/auth/kubernetes/login\nCode: 503. Errors:\n\n* Vault is sealed',
    true,
  ],
  ['503 standby', 'Code: 503. Errors: * Vault is in standby mode', false],
]);

table(vaultRateLimited, [
  [
    '429 quota',
    'URL: PUT https://vault:8200/v1/pki/issue/x\nCode: 429. Errors:\n* request path "pki/issue/x": rate limit quota exceeded',
    true,
  ],
  [
    "another provider's rate limit",
    'error resolving secret reference: performing a vault operation: rate limit exceeded',
    false,
  ],
]);

table(vaultNotAnsweringAsVault, [
  [
    'HTML body',
    'Error making API request.\n\nURL: GET https://v/v1/secret/data/a\nCode: 403. Raw Message:\n\n<html><body>403 Forbidden</body></html>',
    true,
  ],
  [
    'JSON decode of HTML',
    "invalid character '<' looking for beginning of value",
    true,
  ],
  [
    "Vault's own 403",
    'Error making API request.\n\nURL: GET https://v/v1/secret/data/a\nCode: 403. Errors:\n\n* permission denied',
    false,
  ],
]);

table(vaultMountNotFound, [
  [
    'no handler (new text)',
    'Code: 404. Errors:\n\n* no handler for route "kv/data/app". route entry not found.',
    true,
  ],
  ['no handler (old text)', "* no handler for route 'qa/k8s/config'", true],
  [
    'a plain 404',
    'cannot read secret data from Vault: Error making API request.\nURL: GET https://v/v1/a/data/b\nCode: 404.',
    false,
  ],
]);

describe('VAULT_MOUNT_NOT_FOUND wording', () => {
  it('names the Vault namespace of the store', () => {
    const finding = vaultMountNotFound.evaluate(
      scenarioContext({
        text: '* no handler for route "kv/data/app". route entry not found.',
        setup: { store: 'vault-enterprise-namespace' },
      }),
    ) as any;
    expect(finding.summary).toContain('in Vault namespace team-a');
  });
});
