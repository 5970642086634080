import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterConfig } from '@gitops-secrets/plugin-external-secrets-node';
import { ClusterTrustResolver } from './clusterTrust';
import { diagnose } from './diagnose';
import { CLUSTER_URL, scenarioInput } from './__testUtils__/diagnosisInput';

const PEM =
  '-----BEGIN CERTIFICATE-----\nQ0xVU1RFUkNB\n-----END CERTIFICATE-----\n';

function config(o: Partial<ClusterConfig>): ClusterConfig {
  return {
    name: 'a',
    authProvider: 'serviceAccount',
    skipTLSVerify: false,
    ...o,
  };
}

describe('ClusterTrustResolver', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads caData (base64 or PEM)', () => {
    const resolver = new ClusterTrustResolver();
    expect(
      resolver.resolve(
        config({
          url: 'https://k:6443/',
          caData: Buffer.from(PEM).toString('base64'),
        }),
      ),
    ).toEqual({ name: 'a', url: 'https://k:6443', caPem: PEM });
    expect(
      resolver.resolve(config({ name: 'b', url: 'https://k', caData: PEM }))
        .caPem,
    ).toContain('BEGIN');
  });

  it('reads caFile, as both app-config files configure the sandbox', () => {
    const file = path.join(dir, 'ca.pem');
    fs.writeFileSync(file, PEM);
    expect(
      new ClusterTrustResolver().resolve(
        config({ url: 'https://k', caFile: file }),
      ).caPem,
    ).toBe(PEM);
  });

  it('reads the server and CA of a kubeconfig context', () => {
    const file = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: dev',
        '  cluster:',
        '    server: https://dev.example.test:6443',
        `    certificate-authority-data: ${Buffer.from(PEM).toString(
          'base64',
        )}`,
        'users:',
        '- name: me',
        '  user:',
        '    token: x',
        'contexts:',
        '- name: dev',
        '  context:',
        '    cluster: dev',
        '    user: me',
        'current-context: dev',
      ].join('\n'),
    );
    const facts = new ClusterTrustResolver().resolve(
      config({ authProvider: 'kubeconfig', kubeconfigPath: file }),
    );
    expect(facts).toEqual({
      name: 'a',
      url: 'https://dev.example.test:6443',
      caPem: PEM,
    });
  });

  it('leaves the CA out when it cannot be read, and re-reads after the TTL', () => {
    let now = 0;
    let reads = 0;
    const resolver = new ClusterTrustResolver({
      now: () => now,
      ttlMs: 1000,
      readFile: () => {
        reads += 1;
        if (reads === 1) throw new Error('ENOENT');
        return PEM;
      },
    });
    const c = config({ url: 'https://k', caFile: '/missing.pem' });
    expect(resolver.resolve(c).caPem).toBeUndefined();
    expect(resolver.resolve(c).caPem).toBeUndefined();
    expect(reads).toBe(1);
    now = 1500;
    expect(resolver.resolve(c).caPem).toBe(PEM);
  });
});

describe('ca-rotation with a caFile cluster (issue 10 item 3)', () => {
  const LOGIN_403 =
    'unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT https://vault.example.test:8200/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied';

  function diagnoseWithCaFile(vaultCa: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-'));
    try {
      const file = path.join(dir, 'kube-ca.pem');
      fs.writeFileSync(file, PEM);
      const input = scenarioInput({
        text: LOGIN_403,
        setup: { facts: 'matching' },
      });
      input.vault!.authConfig!.kubernetesCaCert = vaultCa;
      input.cluster = new ClusterTrustResolver().resolve(
        config({ url: CLUSTER_URL, caFile: file }),
      );
      return diagnose(input).map(f => f.code);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('names the CA mismatch when Vault holds a CA from before the rotation', () => {
    const stale =
      '-----BEGIN CERTIFICATE-----\nT0xEQ0E=\n-----END CERTIFICATE-----\n';
    expect(diagnoseWithCaFile(stale)).toContain('VAULT_AUTH_CA_MISMATCH');
    expect(diagnoseWithCaFile(stale)).not.toContain('REVIEWER_JWT_REJECTED');
  });

  it('names the reviewer JWT only when the CA from the file matches', () => {
    expect(diagnoseWithCaFile(PEM)).toContain('REVIEWER_JWT_REJECTED');
  });
});
