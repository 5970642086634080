import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  GitHubEmulator,
  KubernetesEmulator,
  RESOURCE_TYPES,
  createTestCaPem,
} from 'sandbox';
import { ArgoSync } from 'sandbox/server';
import { SANDBOX_ADMIN } from 'sandbox/server';
import { readClusterManifestsSettings } from './clusterManifestsConfig';
import { createClusterManifestsCreateAction } from './clusterManifestsCreate';

jest.setTimeout(60_000);

const vaultCa = createTestCaPem();
const config = new ConfigReader({
  externalSecrets: {
    vault: {
      baseUrl: 'https://vault.example.com:8200',
      caData: vaultCa,
      auth: { type: 'token', token: 't' },
    },
    clusters: [
      {
        name: 'cluster-2',
        url: 'https://cluster-2.test',
        serviceAccountToken: 't',
      },
    ],
    clusterManifests: { eso: { chartVersion: '2.9.0' } },
  },
});

function type(kind: string) {
  return RESOURCE_TYPES.find(t => t.kind === kind && !t.virtual)!;
}

// What the merged pull request brings to a cluster: the rendered files and the cluster's
// catalog-info.yaml beside them, synced as Argo CD syncs the GitOps repository.
describe.each(['reviewer-jwt', 'client-jwt'])(
  'the %s cluster manifests, synced by Argo CD',
  mode => {
    let workspacePath: string;
    let dataDir: string;
    let github: GitHubEmulator;

    beforeEach(async () => {
      workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'apply-'));
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'apply-git-'));
      github = new GitHubEmulator({ tokens: ['t'], dataDir });
    });
    afterEach(async () => {
      await fs.rm(workspacePath, { recursive: true, force: true });
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('apply as cluster objects, and catalog-info.yaml is left out', async () => {
      const ctx = createMockActionContext({
        input: { cluster: 'cluster-2', reviewerMode: mode },
        workspacePath,
      });
      await createClusterManifestsCreateAction({
        settings: readClusterManifestsSettings(config),
      }).handler(ctx as any);
      const files: Record<string, string> = {};
      for (const entry of await fs.readdir(workspacePath, {
        recursive: true,
      })) {
        const full = path.join(workspacePath, String(entry));
        if ((await fs.stat(full)).isFile()) {
          files[String(entry)] = await fs.readFile(full, 'utf8');
        }
      }
      files['clusters/cluster-2/platform/catalog-info.yaml'] =
        'apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: cluster-2\nspec:\n  type: kubernetes-cluster\n  owner: platform\n';
      github.addOrganization('platform');
      await github.createRepository('platform', 'gitops', { files });

      const cluster = new KubernetesEmulator({ url: 'https://cluster-2.test' });
      const argo = new ArgoSync(
        cluster.clientFor({ user: SANDBOX_ADMIN }),
        github,
        'platform',
        'gitops',
      );
      const applied = await argo.syncAll();
      expect(applied.filter(a => a.action === 'failed')).toEqual([]);
      expect(applied.map(a => a.file)).not.toContain(
        'clusters/cluster-2/platform/catalog-info.yaml',
      );
      expect(applied.map(a => `${a.kind} ${a.name}`)).toEqual(
        mode === 'reviewer-jwt'
          ? [
              'Namespace vault-auth',
              'ServiceAccount vault-auth',
              'Secret vault-auth-token',
              'ClusterRoleBinding vault-auth-token-reviewer',
              'Application external-secrets',
              'ConfigMap vault-ca',
            ]
          : [
              'ClusterRoleBinding external-secrets-token-reviewer',
              'Application external-secrets',
              'ConfigMap vault-ca',
            ],
      );

      const admin = cluster.clientFor({ user: SANDBOX_ADMIN });
      const application: any = await admin.get(
        type('Application'),
        'argocd',
        'external-secrets',
      );
      expect(application.spec.syncPolicy.syncOptions).toEqual([
        'CreateNamespace=true',
        'ServerSideApply=true',
      ]);
      const caMap: any = await admin.get(
        type('ConfigMap'),
        'external-secrets',
        'vault-ca',
      );
      expect(caMap.data['ca.crt'].trim()).toBe(vaultCa.trim());
      // the token controller fills the empty token Secret: that token is the reviewer JWT
      await cluster.tokenControllerIdle();
      const reviewerToken =
        mode === 'reviewer-jwt'
          ? Buffer.from(
              (
                (await admin.get(
                  type('Secret'),
                  'vault-auth',
                  'vault-auth-token',
                )) as any
              ).data.token,
              'base64',
            ).toString('utf8')
          : 'none';
      expect(reviewerToken).toMatch(
        mode === 'reviewer-jwt' ? /^[\w-]+\.[\w-]+\.[\w-]+$/ : /^none$/,
      );
    });
  },
);
