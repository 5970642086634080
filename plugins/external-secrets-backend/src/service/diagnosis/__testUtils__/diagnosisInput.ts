import {
  classifyExternalSecret,
  type Finding,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ExternalSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { asExternalSecretLike } from '../../classifyInput';
import { buildContext } from '../context';
import type { CorpusRow, CorpusSetup } from '../corpus';
import type { DiagnosisContext, DiagnosisInput, VaultFacts } from '../types';

export const NOW = new Date('2026-01-01T12:00:00Z');
export const CLUSTER_URL = 'https://cluster-a.example.test:6443';
export const CLUSTER_CA =
  '-----BEGIN CERTIFICATE-----\nQ0xVU1RFUkNB\n-----END CERTIFICATE-----\n';
export const OTHER_CA =
  '-----BEGIN CERTIFICATE-----\nT0xEQ0E=\n-----END CERTIFICATE-----\n';

export function storeFor(
  kind: string,
  setup: CorpusSetup,
): SecretStoreObject | undefined {
  const variant = setup.store ?? 'vault-kubernetes';
  if (variant === 'missing') {
    return undefined;
  }
  const failing = {
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'InvalidProviderConfig',
        message: 'unable to create client',
      },
    ],
  };
  const base = {
    apiVersion: 'external-secrets.io/v1',
    kind,
    metadata: {
      name: 'vault-example-api',
      ...(kind === 'SecretStore' ? { namespace: 'example-api' } : {}),
    },
    status: failing,
  };
  const others: Record<string, object> = {
    onepassword: {
      onepassword: { connectHost: 'https://onepassword-connect:8443' },
    },
    aws: { aws: { service: 'SecretsManager', region: 'us-east-1' } },
    gcp: { gcpsm: { projectID: 'foo' } },
    akeyless: { akeyless: { akeylessGWApiURL: 'https://gatewayURL:8080/v2' } },
    kubernetes: { kubernetes: { remoteNamespace: 'default' } },
    secretserver: {
      secretserver: { serverURL: 'https://secretserver.example.test' },
    },
  };
  if (others[variant]) {
    return { ...base, spec: { provider: others[variant] as any } };
  }
  const vault: NonNullable<
    NonNullable<SecretStoreObject['spec']>['provider']
  >['vault'] = {
    server: 'https://vault.example.test:8200',
    path:
      variant === 'vault-path-with-data'
        ? 'io-whitelabel/data/testing'
        : 'secret',
    version: variant === 'vault-v1' ? 'v1' : 'v2',
    ...(variant === 'vault-enterprise-namespace'
      ? { namespace: 'team-a' }
      : {}),
    auth:
      variant === 'vault-token'
        ? {
            tokenSecretRef: {
              name: 'vault-token',
              key: 'token',
              namespace: 'external-secrets',
            },
          }
        : {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-example-api',
              serviceAccountRef: {
                name: 'external-secrets',
                // a ClusterSecretStore names the account's namespace; a SecretStore uses its own,
                // unless the row is about a foreign one
                ...(kind === 'ClusterSecretStore' ||
                variant === 'vault-namespaced-foreign-sa'
                  ? { namespace: 'external-secrets' }
                  : {}),
              },
            },
          },
  };
  return { ...base, spec: { provider: { vault } } };
}

const SPEC_SHAPES: Record<
  NonNullable<CorpusSetup['externalSecret']>,
  Partial<NonNullable<ExternalSecretObject['spec']>>
> = {
  data: {
    data: [
      {
        secretKey: '.env',
        remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
      },
    ],
  },
  extract: { dataFrom: [{ extract: { key: 'example-api/env-file' } }] },
  find: {
    dataFrom: [{ find: { path: 'example-api', name: { regexp: '.*' } } }],
  },
};

export function externalSecretFor(
  setup: CorpusSetup,
  storeKind: string,
): ExternalSecretObject {
  const shape = setup.externalSecret ?? 'data';
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
      secretStoreRef: { kind: storeKind, name: 'vault-example-api' },
      target: { name: 'example-api-env-file' },
      ...SPEC_SHAPES[shape],
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'SecretSyncedError',
          message: 'could not get secret data from provider',
        },
      ],
      refreshTime: '2026-01-01T11:59:00Z',
      syncedResourceVersion: '1-x',
    },
  };
}

export const GOOD_POLICY = [
  'path "secret/data/example-api/*" { capabilities = ["read"] }',
  'path "secret/metadata/example-api/*" { capabilities = ["read", "list"] }',
  'path "secret/metadata/example-api" { capabilities = ["list"] }',
].join('\n');

export function factsFor(setup: CorpusSetup): VaultFacts | undefined {
  if (!setup.facts) {
    return undefined;
  }
  const authConfig = {
    kubernetesHost: CLUSTER_URL,
    kubernetesCaCert: CLUSTER_CA,
    issuer: '',
    disableIssValidation: true,
    tokenReviewerJwtSet: true,
  };
  const role = {
    boundServiceAccountNames: ['external-secrets'],
    boundServiceAccountNamespaces: ['external-secrets'],
    audience: '',
    tokenPolicies: ['example-api'],
    tokenTtlSeconds: 3600,
    tokenMaxTtlSeconds: 0,
  };
  const facts: VaultFacts = {
    kvVersion: 2,
    authConfig,
    role,
    policies: { 'example-api': GOOD_POLICY },
    kvExists: { 'example-api/env-file': true },
  };
  switch (setup.facts) {
    case 'matching':
      return facts;
    case 'client-jwt':
      return {
        ...facts,
        authConfig: { ...authConfig, tokenReviewerJwtSet: false },
      };
    case 'old-host':
      return {
        ...facts,
        authConfig: {
          ...authConfig,
          kubernetesHost: 'https://old-cluster.example.test:6443',
        },
      };
    case 'other-ca':
      return {
        ...facts,
        authConfig: { ...authConfig, kubernetesCaCert: OTHER_CA },
      };
    case 'role-missing':
      return { ...facts, role: null, policies: {} };
    case 'bound-elsewhere':
      return {
        ...facts,
        role: { ...role, boundServiceAccountNames: ['default'] },
      };
    case 'policy-without-data':
      return {
        ...facts,
        policies: {
          'example-api':
            'path "secret/example-api/*" { capabilities = ["read"] }',
        },
      };
    case 'policy-other-app':
      return {
        ...facts,
        policies: {
          'example-api':
            'path "secret/data/other-app/*" { capabilities = ["read"] }',
        },
      };
    case 'policy-without-list':
      return {
        ...facts,
        policies: {
          'example-api':
            'path "secret/data/example-api/*" { capabilities = ["read"] }',
        },
      };
    case 'policy-unparseable':
      return {
        ...facts,
        policies: { 'example-api': 'path "secret/data/*" { capabilities = ' },
      };
    case 'mount-kv1':
      return { ...facts, kvVersion: 1 };
    case 'mount-kv2':
      return { ...facts, kvVersion: 2 };
    case 'secret-exists':
      return facts;
    case 'secret-missing':
      return { ...facts, kvExists: { 'example-api/env-file': false } };
    default:
      return facts;
  }
}

/** The row's message placed where ESO puts it, around a realistic object graph. */
export function corpusInput(row: CorpusRow): DiagnosisInput {
  const setup = row.setup ?? {};
  const storeKind =
    row.object === 'ExternalSecret' ? 'ClusterSecretStore' : row.object;
  const store = storeFor(storeKind, setup);
  const externalSecret = externalSecretFor(setup, storeKind);
  const onStore = row.object !== 'ExternalSecret';
  const asCondition =
    row.channel === 'condition' || row.channel === 'store status';
  if (onStore && asCondition && store?.status?.conditions) {
    store.status.conditions[0] = {
      ...store.status.conditions[0],
      reason: 'ValidationFailed',
      message: row.text,
    };
  }
  if (!onStore && asCondition) {
    externalSecret.status!.conditions![0].message = row.text;
  }
  if (!onStore && store?.status) {
    // The store validates (it only checks the login); the ExternalSecret is what fails.
    store.status.conditions = [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Valid',
        message: 'store validated',
      },
    ];
  }
  const warning = asCondition
    ? undefined
    : {
        type: 'Warning',
        reason: onStore ? 'InvalidProviderConfig' : 'UpdateFailed',
        message: row.text,
      };
  return {
    externalSecret,
    classification: classifyExternalSecret(
      asExternalSecretLike(externalSecret),
      NOW,
      onStore ? undefined : warning,
    ),
    storeKind,
    storeName: 'vault-example-api',
    store,
    externalSecretWarning: onStore ? undefined : warning,
    storeWarning: onStore ? warning : undefined,
    targetExists: true,
    cluster: { name: 'cluster-a', url: CLUSTER_URL, caPem: CLUSTER_CA },
    vault: factsFor(setup),
  };
}

/** A message placed on an object, for rule tests: the corpus row shape without a citation. */
export type Scenario = Pick<CorpusRow, 'text' | 'object' | 'channel'> & {
  setup?: CorpusSetup;
};

export function scenarioInput(scenario: Partial<Scenario>): DiagnosisInput {
  return corpusInput({
    id: 'scenario',
    source: 'test',
    versions: 'test',
    expect: ['UNRECOGNISED_ERROR'],
    text: scenario.text ?? '',
    object: scenario.object ?? 'ExternalSecret',
    channel: scenario.channel ?? 'Event',
    setup: scenario.setup,
  });
}

export function scenarioContext(
  scenario: Partial<Scenario>,
  tweak?: (input: DiagnosisInput) => void,
): DiagnosisContext {
  const input = scenarioInput(scenario);
  tweak?.(input);
  return buildContext(input);
}

export function findingsOf(result: Finding | Finding[] | undefined): Finding[] {
  if (!result) return [];
  return Array.isArray(result) ? result : [result];
}
