import {
  classifyExternalSecret,
  FindingCode,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ExternalSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { asExternalSecretLike } from '../classifyInput';
import { diagnose, DiagnosisInput, VaultFacts } from './diagnose';

const NOW = new Date('2026-01-01T12:00:00Z');
const CLUSTER_CA =
  '-----BEGIN CERTIFICATE-----\nQ0xVU1RFUkNB\n-----END CERTIFICATE-----\n';
const OTHER_CA =
  '-----BEGIN CERTIFICATE-----\nT0xEQ0E=\n-----END CERTIFICATE-----\n';

function es(
  ready?: { status: string; reason?: string; message?: string },
  extra: Partial<ExternalSecretObject['status']> = {},
): ExternalSecretObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'example-api-env-file',
      namespace: 'example-api',
      generation: 1,
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      target: { name: 'example-api-env-file' },
      data: [
        {
          secretKey: '.env',
          remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
        },
      ],
    },
    status: ready
      ? {
          conditions: [{ type: 'Ready', ...ready }],
          refreshTime: '2026-01-01T11:59:00Z',
          syncedResourceVersion: '1-x',
          ...extra,
        }
      : undefined,
  };
}

function store(
  overrides: {
    path?: string;
    ready?: { status: string; reason?: string; message?: string };
    audiences?: string[];
  } = {},
): SecretStoreObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault-example-api' },
    spec: {
      provider: {
        vault: {
          server: 'https://vault.example.test:8200',
          path: overrides.path ?? 'secret',
          version: 'v2',
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-example-api',
              serviceAccountRef: {
                name: 'external-secrets',
                namespace: 'external-secrets',
                audiences: overrides.audiences,
              },
            },
          },
        },
      },
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          ...(overrides.ready ?? {
            status: 'True',
            reason: 'Valid',
            message: 'store validated',
          }),
        },
      ],
    },
  };
}

const GENERIC = {
  status: 'False',
  reason: 'SecretSyncedError',
  message: 'could not get secret data from provider',
};
const role = (o: Partial<NonNullable<VaultFacts['role']>> = {}) => ({
  boundServiceAccountNames: ['external-secrets'],
  boundServiceAccountNamespaces: ['external-secrets'],
  audience: '',
  tokenPolicies: ['example-api'],
  tokenTtlSeconds: 3600,
  tokenMaxTtlSeconds: 0,
  ...o,
});
const authConfig = (
  o: Partial<NonNullable<VaultFacts['authConfig']>> = {},
) => ({
  kubernetesHost: 'https://cluster-a.example.test:6443',
  kubernetesCaCert: CLUSTER_CA,
  issuer: '',
  disableIssValidation: true,
  tokenReviewerJwtSet: true,
  ...o,
});
const GOOD_POLICY =
  'path "secret/data/example-api/*" { capabilities = ["read"] }';
const LOGIN_DENIED =
  'error processing spec.data[0] (key: example-api/env-file), err: unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request. URL: PUT https://vault.example.test:8200/v1/auth/kubernetes/login Code: 403. Errors: * permission denied';

function input(
  o: Partial<DiagnosisInput> & {
    warning?: string;
    ready?: typeof GENERIC | null;
  } = {},
): DiagnosisInput {
  const object =
    o.externalSecret ?? es(o.ready === null ? undefined : o.ready ?? GENERIC);
  const warning = o.warning
    ? { type: 'Warning', reason: 'UpdateFailed', message: o.warning }
    : undefined;
  return {
    externalSecret: object,
    classification: classifyExternalSecret(
      asExternalSecretLike(object),
      NOW,
      warning,
    ),
    storeKind: 'ClusterSecretStore',
    storeName: 'vault-example-api',
    store: 'store' in o ? o.store : store(),
    externalSecretWarning: warning,
    storeWarning: o.storeWarning,
    targetExists: o.targetExists ?? true,
    cluster: o.cluster ?? {
      name: 'cluster-a',
      url: 'https://cluster-a.example.test:6443',
      caData: Buffer.from(CLUSTER_CA).toString('base64'),
    },
    vault: o.vault,
  };
}

const codes = (i: DiagnosisInput) =>
  diagnose(i)
    .map(f => f.code)
    .sort();

describe('diagnose', () => {
  const cases: Array<[string, DiagnosisInput, FindingCode[]]> = [
    [
      'healthy',
      input({
        ready: {
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
        },
      }),
      [],
    ],
    ['not processed yet', input({ ready: null }), ['NOT_PROCESSED']],
    [
      'Vault auth points at an old API server',
      input({
        warning: LOGIN_DENIED,
        vault: {
          authConfig: authConfig({
            kubernetesHost: 'https://old-cluster.example.test:6443',
          }),
          role: role(),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
      ['VAULT_AUTH_HOST_MISMATCH'],
    ],
    [
      'Vault has the wrong cluster CA',
      input({
        warning: LOGIN_DENIED,
        vault: {
          authConfig: authConfig({ kubernetesCaCert: OTHER_CA }),
          role: role(),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
      ['VAULT_AUTH_CA_MISMATCH'],
    ],
    [
      'host and CA match: the reviewer JWT is rejected',
      input({
        warning: LOGIN_DENIED,
        vault: {
          authConfig: authConfig({
            kubernetesHost: 'https://CLUSTER-A.example.test:6443/',
          }),
          role: role(),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
      ['REVIEWER_JWT_REJECTED'],
    ],
    [
      'role bound to another service account',
      input({
        warning: LOGIN_DENIED.replace(
          'permission denied',
          'service account name not authorized',
        ),
        vault: {
          role: role({ boundServiceAccountNames: ['eso'] }),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
      ['ROLE_BINDING_MISMATCH'],
    ],
    [
      'role bound to another namespace (seen in Vault, message generic)',
      input({
        vault: {
          role: role({ boundServiceAccountNamespaces: ['eso-system'] }),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
      ['ROLE_BINDING_MISMATCH'],
    ],
    [
      'role missing in Vault',
      input({ vault: { role: null } }),
      ['ROLE_MISSING'],
    ],
    [
      'policy lacks data/ for KV v2',
      input({
        warning:
          'error processing spec.data[0] (key: example-api/env-file), err: cannot read secret data from Vault: Error making API request. URL: GET https://vault.example.test:8200/v1/secret/data/example-api/env-file Code: 403. Errors: * permission denied',
        vault: {
          role: role(),
          policies: {
            'example-api':
              'path "secret/example-api/*" { capabilities = ["read"] }',
          },
        },
      }),
      ['POLICY_MISSING_KV2_DATA_PATH'],
    ],
    [
      'policy covers nothing',
      input({
        vault: {
          role: role(),
          policies: {
            'example-api':
              'path "secret/data/other-app/*" { capabilities = ["read"] }',
          },
        },
      }),
      ['POLICY_DENIES_PATH'],
    ],
    [
      'deny wins over a broader grant',
      input({
        vault: {
          role: role({ tokenPolicies: ['a', 'b'] }),
          policies: {
            a: 'path "secret/data/*" { capabilities = ["read"] }',
            b: 'path "secret/data/example-api/*" { capabilities = ["deny"] }',
          },
        },
      }),
      ['POLICY_DENIES_PATH'],
    ],
    [
      'read denied, Vault not readable: from the message alone',
      input({
        warning:
          'error processing spec.data[0] (key: example-api/env-file), err: cannot read secret data from Vault: Code: 403. Errors: * permission denied',
      }),
      ['POLICY_DENIES_PATH'],
    ],
    [
      'property missing',
      input({
        warning:
          'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"',
      }),
      ['PROPERTY_MISSING'],
    ],
    [
      'secret path missing (message)',
      input({
        warning:
          'error processing spec.data[0] (key: example-api/env-file), err: Secret does not exist',
      }),
      ['SECRET_PATH_MISSING'],
    ],
    [
      'secret path missing (KV metadata)',
      input({
        vault: {
          role: role(),
          policies: { 'example-api': GOOD_POLICY },
          kvExists: { 'example-api/env-file': false },
        },
      }),
      ['SECRET_PATH_MISSING'],
    ],
    [
      'store not ready',
      input({
        store: store({
          ready: {
            status: 'False',
            reason: 'InvalidProviderConfig',
            message: 'unable to validate store',
          },
        }),
        warning: 'ClusterSecretStore "vault-example-api" is not ready',
      }),
      ['STORE_NOT_READY'],
    ],
    ['store missing', input({ store: undefined }), ['STORE_MISSING']],
    [
      'store path includes data',
      input({ store: store({ path: 'secret/data' }) }),
      ['STORE_PATH_INCLUDES_DATA'],
    ],
    [
      'audience rejected',
      input({
        warning: LOGIN_DENIED.replace(
          'permission denied',
          'invalid audience (aud) claim: audience claim does not match any expected audience',
        ),
      }),
      ['AUDIENCE_MISMATCH'],
    ],
    [
      'audience differs in configuration',
      input({
        store: store({ audiences: ['vault'] }),
        vault: {
          role: role({
            audience: 'https://kubernetes.default.svc.cluster.local',
          }),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
      ['AUDIENCE_MISMATCH'],
    ],
    [
      'issuer invalid',
      input({
        warning: LOGIN_DENIED.replace(
          'permission denied',
          'claim "iss" is invalid',
        ),
      }),
      ['ISSUER_INVALID'],
    ],
    [
      'Vault CA untrusted',
      input({
        warning:
          'unable to log in to auth method: Put "https://vault.example.test:8200/v1/auth/kubernetes/login": tls: failed to verify certificate: x509: certificate signed by unknown authority',
      }),
      ['VAULT_CA_UNTRUSTED'],
    ],
    [
      'stale sync',
      input({
        externalSecret: {
          ...es({ status: 'True', reason: 'SecretSynced' }),
          status: {
            conditions: [
              { type: 'Ready', status: 'True', reason: 'SecretSynced' },
            ],
            refreshTime: '2026-01-01T11:00:00Z',
            syncedResourceVersion: '1-x',
          },
        },
      }),
      ['STALE_SYNC'],
    ],
    [
      'target Secret missing',
      input({
        ready: {
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
        },
        targetExists: false,
      }),
      ['TARGET_SECRET_MISSING'],
    ],
    [
      'Vault unreachable for diagnosis',
      input({ vault: { error: 'connect ECONNREFUSED' } }),
      // nothing says why ESO fails: shown as not recognised, beside the missing facts
      ['UNRECOGNISED_ERROR', 'VAULT_UNREACHABLE'],
    ],
  ];

  it.each(cases)('%s', (_name, given, expected) => {
    expect(codes(given)).toEqual([...expected].sort());
  });

  it('gives every finding a summary, a fix and evidence without values', () => {
    for (const [, given] of cases) {
      for (const finding of diagnose(given)) {
        expect(finding.summary.length).toBeGreaterThan(10);
        expect(finding.fix.length).toBeGreaterThan(10);
        expect(JSON.stringify(finding)).not.toMatch(
          /BEGIN CERTIFICATE|Q0xVU1RFUkNB/,
        );
      }
    }
  });

  it('names the paths in policy findings', () => {
    const [finding] = diagnose(
      cases.find(c => c[0] === 'policy lacks data/ for KV v2')![1],
    );
    expect(finding.evidence).toMatchObject({
      path: 'secret/data/example-api/env-file',
      policies: 'example-api',
    });
  });
});

describe('diagnose never throws', () => {
  it('turns a rule that throws into a finding on its row and reports it once', () => {
    const given = input({
      warning:
        'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"',
      vault: { role: role(), policies: {} },
    });
    Object.defineProperty(given.vault!, 'policies', {
      get() {
        throw new Error('policy store exploded');
      },
    });
    const errors: string[] = [];
    const findings = diagnose(given, {
      onRuleError: code => errors.push(code),
    });
    expect(findings.map(f => f.code)).toContain('DIAGNOSIS_FAILED');
    // the rules that did not throw still stand
    expect(findings.map(f => f.code)).toContain('PROPERTY_MISSING');
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors).size).toBe(errors.length);
  });

  it('reports unparseable policy text as POLICY_UNPARSEABLE instead of failing', () => {
    const findings = diagnose(
      input({
        vault: {
          role: role(),
          policies: { 'example-api': 'path "secret/data/*" { capabilities = ' },
        },
      }),
    );
    expect(findings.map(f => f.code)).toContain('POLICY_UNPARSEABLE');
  });

  it('gives a finding even when the input itself cannot be read', () => {
    const broken = input({});
    Object.defineProperty(broken, 'externalSecret', {
      get() {
        throw new Error('no object');
      },
    });
    expect(diagnose(broken).map(f => f.code)).toEqual(['DIAGNOSIS_FAILED']);
  });

  it.each([
    [
      'no status',
      (o: any) => {
        delete o.status;
      },
    ],
    [
      'conditions without type',
      (o: any) => {
        o.status.conditions = [{ status: 'False' }, null, 'x'];
      },
    ],
    [
      'conditions not a list',
      (o: any) => {
        o.status.conditions = { Ready: 'False' };
      },
    ],
    [
      'an unknown API version',
      (o: any) => {
        o.apiVersion = 'external-secrets.io/v2alpha9';
      },
    ],
    [
      'spec fields of the wrong type',
      (o: any) => {
        o.spec.data = 'all';
        o.spec.dataFrom = [null, 3, { find: 'x' }];
      },
    ],
  ])('handles an ExternalSecret with %s', (_title, mutate) => {
    const object = es(GENERIC);
    mutate(object);
    const given = input({ externalSecret: object });
    expect(() => diagnose(given)).not.toThrow();
  });

  it('bounds a huge binary event message', () => {
    const message = `${'\u0000\u00ff'.repeat(50_000)}permission denied`;
    const findings = diagnose(input({ warning: message }));
    for (const finding of findings) {
      expect(finding.summary.length).toBeLessThan(2000);
      expect(finding.summary).not.toContain(String.fromCharCode(0));
    }
  });

  it('handles a store whose provider or auth has the wrong shape', () => {
    const odd = store();
    (odd.spec!.provider!.vault as any).auth = 'kubernetes';
    (odd.spec!.provider!.vault as any).path = 42;
    expect(() =>
      diagnose(input({ store: odd, warning: 'Secret does not exist' })),
    ).not.toThrow();
  });
});

describe('finding order', () => {
  it('puts the cause before the context, so the card leads with the fix', () => {
    const findings = diagnose(
      input({
        store: store({
          ready: {
            status: 'False',
            reason: 'InvalidProviderConfig',
            message: 'unable to create client',
          },
        }),
        storeWarning: {
          type: 'Warning',
          reason: 'InvalidProviderConfig',
          message: LOGIN_DENIED,
        },
        vault: {
          authConfig: authConfig({
            kubernetesHost: 'https://old-cluster.example.test:6443',
          }),
          role: role(),
          policies: { 'example-api': GOOD_POLICY },
        },
      }),
    );
    expect(findings[0].code).toBe('VAULT_AUTH_HOST_MISMATCH');
    expect(findings.map(f => f.code)).toContain('STORE_NOT_READY');
  });
});
