import {
  classifyPushSecret,
  type Finding,
  type FindingCode,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterExternalSecretObject,
  PushSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { diagnose } from '../diagnose';
import {
  CES_CAUSE_CODES,
  diagnoseClusterExternalSecret,
} from './clusterExternalSecret';
import { KINDS_CORPUS, type KindsCorpusRow } from './kindsCorpus';
import { diagnosePushSecret, PUSH_CAUSE_CODES } from './pushSecret';

const NOW = new Date('2026-01-01T12:00:00Z');

const store: SecretStoreObject = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  metadata: { name: 'vault-example-api' },
  spec: {
    provider: {
      vault: {
        server: 'https://vault.example.test:8200',
        path: 'secret',
        version: 'v2',
        auth: {
          kubernetes: {
            mountPath: 'kubernetes',
            role: 'external-secrets-example-api',
            serviceAccountRef: {
              name: 'example-api',
              namespace: 'example-api',
            },
          },
        },
      },
    },
  },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid' }] },
};

function pushFindings(row: KindsCorpusRow): Finding[] {
  const reason = row.setup?.reason ?? 'Errored';
  const ok = reason === 'Synced';
  const ps: PushSecretObject = {
    apiVersion: 'external-secrets.io/v1alpha1',
    kind: 'PushSecret',
    metadata: {
      namespace: 'example-api',
      name: 'example-api-env',
      generation: 1,
    },
    spec: {
      refreshInterval: '1h',
      updatePolicy: row.setup?.updatePolicy,
      deletionPolicy: row.setup?.deletionPolicy,
      secretStoreRefs: [
        { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      ],
      selector: { secret: { name: 'example-api-env' } },
      data: [
        {
          match: {
            secretKey: 'dotenv',
            remoteRef: { remoteKey: 'example-api/env-file' },
          },
        },
      ],
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: ok ? 'True' : 'False',
          reason,
          message: row.text,
        },
      ],
      refreshTime: ok ? '2026-01-01T11:59:00Z' : undefined,
      syncedResourceVersion: ok ? '1-abc' : undefined,
    },
  };
  const warning =
    row.channel === 'Event'
      ? { type: 'Warning', reason: 'Errored', message: row.text }
      : undefined;
  return diagnosePushSecret({
    pushSecret: ps,
    classification: classifyPushSecret(ps, NOW, warning),
    warning,
    stores: [{ kind: 'ClusterSecretStore', name: 'vault-example-api', store }],
    cluster: { name: 'cluster-a', url: 'https://cluster-a.example.test:6443' },
  });
}

function cesFindings(row: KindsCorpusRow): Finding[] {
  const provisioned = row.setup?.provisioned ?? [];
  const failed =
    row.channel === 'status.failedNamespaces'
      ? [{ namespace: 'team-a', reason: row.text }]
      : [];
  const ces: ClusterExternalSecretObject = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterExternalSecret',
    metadata: { name: 'db-credentials' },
    spec: {
      externalSecretName: 'db-credentials',
      namespaceSelectors: [{ matchLabels: { 'team.example/secrets': 'db' } }],
    },
    status: row.setup?.unreported
      ? {}
      : {
          externalSecretName: 'db-credentials',
          ...(provisioned.length ? { provisionedNamespaces: provisioned } : {}),
          ...(failed.length ? { failedNamespaces: failed } : {}),
          conditions: [
            failed.length
              ? {
                  type: 'Ready',
                  status: 'False',
                  message: 'one or more namespaces failed',
                }
              : { type: 'Ready', status: 'True' },
          ],
        },
  };
  const children = row.setup?.childFails
    ? [
        {
          namespace: 'team-a',
          name: 'db-credentials',
          state: 'Error' as const,
          findings: diagnose({
            externalSecret: {
              metadata: { namespace: 'team-a', name: 'db-credentials' },
              spec: {
                secretStoreRef: {
                  kind: 'ClusterSecretStore',
                  name: 'vault-example-api',
                },
                data: [
                  {
                    secretKey: '.env',
                    remoteRef: {
                      key: 'example-api/env-file',
                      property: 'dotenv',
                    },
                  },
                ],
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
              },
            },
            classification: { state: 'Error', stale: false, behindSpec: false },
            storeKind: 'ClusterSecretStore',
            storeName: 'vault-example-api',
            store,
            externalSecretWarning: { type: 'Warning', message: row.text },
            targetExists: false,
            cluster: { name: 'cluster-a' },
          }),
        },
      ]
    : [];
  return diagnoseClusterExternalSecret({
    clusterExternalSecret: ces,
    children,
  });
}

function named(row: KindsCorpusRow): FindingCode[] {
  const findings =
    row.object === 'PushSecret' ? pushFindings(row) : cesFindings(row);
  const causes =
    row.object === 'PushSecret' ? PUSH_CAUSE_CODES : CES_CAUSE_CODES;
  return findings
    .map(f => f.code)
    .filter(code => causes.has(code) || row.expect.includes(code));
}

describe('diagnosis corpus of PushSecrets and ClusterExternalSecrets', () => {
  it('cites every row, with unique ids, versions and the channel ESO uses', () => {
    expect(KINDS_CORPUS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(KINDS_CORPUS.map(r => r.id)).size).toBe(KINDS_CORPUS.length);
    for (const row of KINDS_CORPUS) {
      expect(row.source).toMatch(/^(https:\/\/github\.com\/|[\w.-]+\/[\w.-]+)/);
      expect(row.versions).not.toBe('');
      expect(row.text).not.toBe('');
    }
    // near misses: rows that must name nothing, or only the raw error
    const nearMisses = KINDS_CORPUS.filter(
      r => r.expect.length === 0 || r.expect.includes('UNRECOGNISED_ERROR'),
    );
    expect(nearMisses.length).toBeGreaterThanOrEqual(6);
  });

  it('names no wrong cause and recognises every catalogued one (precision and recall per code)', () => {
    const perCode = new Map<
      string,
      { expected: number; hit: number; named: number; right: number }
    >();
    const score = (code: string) => {
      if (!perCode.has(code))
        perCode.set(code, { expected: 0, hit: 0, named: 0, right: 0 });
      return perCode.get(code)!;
    };
    const wrong: string[] = [];
    const missed: string[] = [];
    for (const row of KINDS_CORPUS) {
      const got = new Set(named(row));
      for (const code of row.expect) {
        score(code).expected += 1;
        if (got.has(code)) score(code).hit += 1;
        else
          missed.push(
            `${row.id}: expected ${code}, got ${
              [...got].join(', ') || 'nothing'
            }`,
          );
      }
      for (const code of got) {
        score(code).named += 1;
        if (row.expect.includes(code)) score(code).right += 1;
        else
          wrong.push(
            `${row.id}: named ${code}, expected ${
              row.expect.join(', ') || 'nothing'
            }`,
          );
      }
    }
    const pct = (a: number, b: number) =>
      b ? `${((100 * a) / b).toFixed(0)}%` : '—';
    // eslint-disable-next-line no-console
    console.log(
      [
        `kinds corpus: ${KINDS_CORPUS.length} messages`,
        '| code | rows | named | precision | recall |',
        '| --- | --- | --- | --- | --- |',
        ...[...perCode.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(
            ([code, s]) =>
              `| ${code} | ${s.expected} | ${s.named} | ${pct(
                s.right,
                s.named,
              )} | ${pct(s.hit, s.expected)} |`,
          ),
      ].join('\n'),
    );
    expect(wrong).toEqual([]);
    expect(missed).toEqual([]);
  });

  it.each(KINDS_CORPUS.map(row => [row.id, row] as const))(
    '%s: every finding has a summary, a fix and short text evidence',
    (_id, row) => {
      const findings =
        row.object === 'PushSecret' ? pushFindings(row) : cesFindings(row);
      for (const finding of findings) {
        expect(finding.summary.length).toBeGreaterThan(10);
        expect(finding.fix.length).toBeGreaterThan(10);
        for (const value of Object.values(finding.evidence)) {
          expect(typeof value).toBe('string');
        }
      }
    },
  );
});
