import path from 'node:path';
import { createTestCaPem } from 'sandbox';
import { parse } from 'yaml';
import {
  ScaffolderHarness,
  TaskResult,
  templateEntityOf,
} from './__testUtils__/scaffolderHarness';

const TEMPLATE = path.resolve(
  __dirname,
  '../../../../templates/onboard-cluster-to-vault/template.yaml',
);
const CLUSTER_URL = 'https://cluster-2.onboard.test:6443';
const clusterCa = createTestCaPem('cluster-2-ca');
const vaultCa = createTestCaPem('vault-ca');
// A well-formed JWT that must reach Vault and nothing else.
const REVIEWER_JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJTM05UMU5FTCI6InJldmlld2VyIn0.UzNOVDFORUwtc2lnbmF0dXJl';

jest.setTimeout(120_000);

function taskText(result: TaskResult): string {
  return JSON.stringify(result.events) + JSON.stringify(result.output ?? {});
}

describe('template onboard-cluster-to-vault through a real scaffolder', () => {
  const h = new ScaffolderHarness();

  beforeAll(async () => {
    await h.start(import('..'), {
      entities: [templateEntityOf(TEMPLATE)],
      vault: { caData: vaultCa },
      externalSecrets: {
        clusters: [
          {
            name: 'cluster-2',
            url: CLUSTER_URL,
            serviceAccountToken: 'status-token',
            caData: Buffer.from(clusterCa).toString('base64'),
          },
        ],
        clusterManifests: { eso: { chartVersion: '2.9.0' } },
      },
    });
    await h.github.createRepository('acme', 'gitops');
  }, 120_000);

  afterAll(() => h.stop(), 30_000);

  const values = (reviewerMode: string) => ({
    cluster: 'cluster-2',
    owner: 'group:default/platform-team',
    reviewerMode,
    // what the Secret field leaves in the form values: asterisks, never the token
    ...(reviewerMode === 'reviewer-jwt'
      ? { tokenReviewerJwt: '*'.repeat(REVIEWER_JWT.length) }
      : {}),
    gitopsRepoUrl: h.repoUrl('gitops'),
  });

  it('configures Vault, opens the pull request and registers the cluster (reviewer JWT)', async () => {
    const result = await h.runTemplate(
      values('reviewer-jwt'),
      { tokenReviewerJwt: REVIEWER_JWT },
      { templateRef: 'template:default/onboard-cluster-to-vault' },
    );
    expect(result.status).toBe('completed');

    // Vault: the mount of the cluster, configured from the cluster's config, the JWT set
    const config = await h.vaultRead('auth/kubernetes-cluster-2/config');
    expect(config).toMatchObject({
      kubernetes_host: CLUSTER_URL,
      disable_iss_validation: false,
      token_reviewer_jwt_set: true,
    });
    expect(config.kubernetes_ca_cert.trim()).toBe(clusterCa.trim());

    // the pull request: the cluster objects and the catalog entry, on a branch of its own
    const branch = 'onboard-cluster-cluster-2';
    const dir = 'clusters/cluster-2/platform';
    const files = (await h.github.listFiles('acme', 'gitops', branch, dir))
      .map(f => f.slice(dir.length + 1))
      .sort();
    expect(files).toEqual([
      '00-namespace-vault-auth.yaml',
      '01-serviceaccount-vault-auth.yaml',
      '02-secret-vault-auth-token.yaml',
      '03-clusterrolebinding-vault-auth-token-reviewer.yaml',
      '04-application-external-secrets.yaml',
      '05-configmap-vault-ca.yaml',
      'catalog-info.yaml',
      'kustomization.yaml',
    ]);
    const application = parse(
      (await h.github.readFile(
        'acme',
        'gitops',
        branch,
        `${dir}/04-application-external-secrets.yaml`,
      ))!,
    );
    expect(application.spec.source.targetRevision).toBe('2.9.0');
    const [pr] = h.github.pullRequests('acme', 'gitops');
    expect(pr.title).toBe('Onboard cluster cluster-2 to Vault');
    expect(pr.body).toContain(
      `Kubernetes auth mount \`kubernetes-cluster-2/\` for \`${CLUSTER_URL}\` (reviewer-jwt): created`,
    );
    expect(pr.body).toContain('- Secret `vault-auth/vault-auth-token`');

    // the catalog: a kubernetes-cluster Resource with the annotations the status view reads
    const resource = h.registered.at(-1)!;
    expect(resource).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: 'cluster-2',
        annotations: {
          'kubernetes.io/api-server': CLUSTER_URL,
          'gitops-secrets.io/vault-auth-mount': 'kubernetes-cluster-2',
          'gitops-secrets.io/vault-reviewer-mode': 'reviewer-jwt',
        },
      },
      spec: {
        type: 'kubernetes-cluster',
        owner: 'group:default/platform-team',
      },
    });
    expect(result.output.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          title: 'GitOps pull request',
          url: expect.stringContaining(`/pull/${pr.number}`),
        }),
      ]),
    );

    // the JWT went to Vault only
    expect(taskText(result)).not.toContain(REVIEWER_JWT);
    expect(taskText(result)).not.toContain('S3NT1NEL');
    for (const file of await h.github.listFiles('acme', 'gitops', branch)) {
      expect(
        await h.github.readFile('acme', 'gitops', branch, file),
      ).not.toContain(REVIEWER_JWT);
    }
    expect(pr.body).not.toContain(REVIEWER_JWT);
  });

  it('a second run in client-JWT mode needs overwrite: it refuses, with the difference named', async () => {
    const result = await h.runTemplate(
      values('client-jwt'),
      {},
      {
        templateRef: 'template:default/onboard-cluster-to-vault',
      },
    );
    expect(result.status).toBe('failed');
    expect(taskText(result)).toMatch(
      /auth mount kubernetes-cluster-2\/ is configured differently \(reviewer: \\"reviewer-jwt\\" in Vault, \\"client-jwt\\" wanted|is configured differently/,
    );
    // nothing changed in Vault
    expect(
      (await h.vaultRead('auth/kubernetes-cluster-2/config'))
        .token_reviewer_jwt_set,
    ).toBe(true);
  });
});
