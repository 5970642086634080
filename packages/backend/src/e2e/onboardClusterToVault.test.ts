import path from 'node:path';
import {
  KubeObject,
  KubernetesEmulator,
  createTestCaPem,
  createTokenReviewer,
} from 'sandbox';
import { parse, parseAllDocuments } from 'yaml';
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
// A cluster no test has onboarded: the reviewer-JWT bootstrap starts from nothing on it.
const NEW_CLUSTER_URL = 'https://cluster-3.onboard.test:6443';
const newClusterCa = createTestCaPem('cluster-3-ca');
const TOKEN_COMMAND =
  "kubectl -n vault-auth get secret vault-auth-token -o jsonpath='{.data.token}' | base64 -d";
const vaultCa = createTestCaPem('vault-ca');
// A well-formed JWT that must reach Vault and nothing else.
const REVIEWER_JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJTM05UMU5FTCI6InJldmlld2VyIn0.UzNOVDFORUwtc2lnbmF0dXJl';

jest.setTimeout(120_000);

function taskText(result: TaskResult): string {
  return JSON.stringify(result.events) + JSON.stringify(result.output ?? {});
}

/** The plural of the kinds "Argo CD" applies here: the reviewer's objects. */
const REVIEWER_KINDS: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  Secret: 'secrets',
  ClusterRoleBinding: 'clusterrolebindings',
};

describe('template onboard-cluster-to-vault through a real scaffolder', () => {
  const h = new ScaffolderHarness();

  beforeAll(async () => {
    await h.start(
      import(
        '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets'
      ),
      {
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
            {
              name: 'cluster-3',
              url: NEW_CLUSTER_URL,
              serviceAccountToken: 'status-token',
              caData: Buffer.from(newClusterCa).toString('base64'),
            },
          ],
          clusterManifests: { eso: { chartVersion: '2.9.0' } },
        },
      },
    );
    await h.github.createRepository('acme', 'gitops');
  }, 120_000);

  afterAll(() => h.stop(), 30_000);

  const values = (
    reviewerMode: string,
    options: { cluster?: string; jwt?: string } = {},
  ) => {
    const jwt =
      options.jwt ?? (reviewerMode === 'reviewer-jwt' ? REVIEWER_JWT : '');
    return {
      cluster: options.cluster ?? 'cluster-2',
      owner: 'group:default/platform-team',
      reviewerMode,
      // what the Secret field leaves in the form values: asterisks, never the token
      ...(jwt ? { tokenReviewerJwt: '*'.repeat(jwt.length) } : {}),
      gitopsRepoUrl: h.repoUrl('gitops'),
    };
  };
  const pullRequestsOf = (cluster: string) =>
    h.github
      .pullRequests('acme', 'gitops')
      .filter(pr => pr.head === `onboard-cluster-${cluster}`);

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
    const [pr] = pullRequestsOf('cluster-2');
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
  describe('reviewer-JWT bootstrap of a new cluster: two runs with the same answers', () => {
    const branch = 'onboard-cluster-cluster-3';
    const dir = 'clusters/cluster-3/platform';
    const mountConfig = 'auth/kubernetes-cluster-3/config';
    const cluster = new KubernetesEmulator({
      url: NEW_CLUSTER_URL,
      caCertPem: newClusterCa,
    });
    afterAll(() => cluster.close());

    /** Argo CD's part after the merge: the reviewer's objects of the merged directory applied. */
    async function applyMergedReviewerObjects() {
      for (const file of (
        await h.github.listFiles('acme', 'gitops', 'main', dir)
      ).sort()) {
        const text = (await h.github.readFile('acme', 'gitops', 'main', file))!;
        for (const document of parseAllDocuments(text)) {
          const object = document.toJS() as KubeObject;
          const plural = REVIEWER_KINDS[object?.kind ?? ''];
          if (plural) {
            await cluster.objects.create(
              cluster.type(plural),
              object.metadata.namespace,
              object,
            );
          }
        }
      }
      await cluster.tokenControllerIdle();
      const secret = cluster.objects.get(
        cluster.type('secrets'),
        'vault-auth',
        'vault-auth-token',
      ) as KubeObject & { data: { token: string } };
      return Buffer.from(secret.data.token, 'base64').toString('utf8');
    }

    /** ESO logging in to the new cluster's mount, as its SecretStore would. */
    async function esoLogin() {
      const jwt = await cluster.issueServiceAccountToken({
        namespace: 'external-secrets',
        name: 'external-secrets',
        audiences: ['vault'],
      });
      return h.vault.handle({
        method: 'POST',
        path: '/v1/auth/kubernetes-cluster-3/login',
        body: JSON.stringify({ role: 'eso', jwt }),
      });
    }

    const configWrites = () =>
      h.vault.requests.filter(
        r => r.path === mountConfig && r.operation === 'write',
      );

    it('run 1 without the JWT: the mount enabled with no config, the pull request opened, the next step said', async () => {
      const registeredBefore = h.registered.length;
      const run1 = await h.runTemplate(
        values('reviewer-jwt', { cluster: 'cluster-3', jwt: '' }),
        {},
        { templateRef: 'template:default/onboard-cluster-to-vault' },
      );
      expect(run1.status).toBe('completed');

      // Vault: the mount, and no config (no client-JWT mode in its place)
      expect(
        (await h.vaultRead('sys/auth'))['kubernetes-cluster-3/'],
      ).toMatchObject({ type: 'kubernetes' });
      expect(await h.vaultRead(mountConfig)).toBeUndefined();
      expect(configWrites()).toEqual([]);
      expect(JSON.stringify(run1.events)).toContain(
        `${mountConfig} not written: reviewer-jwt mode needs the reviewer JWT`,
      );

      // the pull request: the reviewer's account and token Secret, and what to do after it
      const [pr, ...more] = pullRequestsOf('cluster-3');
      expect(more).toEqual([]);
      const files = await h.github.listFiles('acme', 'gitops', branch, dir);
      expect(files).toEqual(
        expect.arrayContaining([
          `${dir}/00-namespace-vault-auth.yaml`,
          `${dir}/01-serviceaccount-vault-auth.yaml`,
          `${dir}/02-secret-vault-auth-token.yaml`,
          `${dir}/03-clusterrolebinding-vault-auth-token-reviewer.yaml`,
        ]),
      );
      expect(pr.body).toContain(
        `Kubernetes auth mount \`kubernetes-cluster-3/\` for \`${NEW_CLUSTER_URL}\` (reviewer-jwt): awaiting-reviewer-jwt`,
      );
      expect(pr.body).toContain(
        '**After the merge: run the template again** (reviewer-jwt mode, second run)',
      );
      expect(pr.body).toContain('Secret `vault-auth/vault-auth-token`');
      expect(pr.body).toContain(`\`\`\`sh\n${TOKEN_COMMAND}\n\`\`\``);
      expect(pr.body).toContain(
        'its JWT goes to Vault only, in the second run.',
      );

      // the task output: the pull request, the catalog entry, and the next step
      expect(run1.output.links).toEqual([
        expect.objectContaining({
          title: 'GitOps pull request',
          url: expect.stringContaining(`/pull/${pr.number}`),
        }),
        expect.objectContaining({
          title: 'Open in catalog',
          entityRef: 'resource:default/cluster-3',
        }),
      ]);
      const [vaultText, nextStep, ...otherText] = run1.output.text;
      expect(otherText).toEqual([]);
      expect(vaultText.content).toContain(
        'in reviewer-jwt mode: awaiting-reviewer-jwt.',
      );
      expect(vaultText.content).toContain(
        'and Vault has the reviewer JWT (see next step).',
      );
      expect(nextStep.title).toBe(
        'Next step: run the template again with the reviewer JWT',
      );
      expect(nextStep.content).toContain(
        'Merge the GitOps pull request and wait until Argo CD has applied it',
      );
      expect(nextStep.content).toContain(
        'Run _Onboard a cluster to Vault_ again with the same answers',
      );
      expect(nextStep.content).toContain(TOKEN_COMMAND);

      expect(h.registered.length).toBe(registeredBefore + 1);
      expect(h.registered.at(-1)!.metadata).toMatchObject({
        name: 'cluster-3',
        annotations: {
          'gitops-secrets.io/vault-auth-mount': 'kubernetes-cluster-3',
          'gitops-secrets.io/vault-reviewer-mode': 'reviewer-jwt',
        },
      });
    });

    it('run 2 after the merge, with the token of the applied Secret: Vault configured, no second pull request, registering again is fine', async () => {
      const [pr] = pullRequestsOf('cluster-3');
      await h.github.mergePullRequest('acme', 'gitops', pr.number);
      const jwt = await applyMergedReviewerObjects();
      const registeredBefore = h.registered.length;

      const run2 = await h.runTemplate(
        values('reviewer-jwt', { cluster: 'cluster-3', jwt }),
        { tokenReviewerJwt: jwt },
        { templateRef: 'template:default/onboard-cluster-to-vault' },
      );
      expect(run2.status).toBe('completed');

      // Vault: configured in reviewer mode, from the cluster's config
      const config = await h.vaultRead(mountConfig);
      expect(config).toMatchObject({
        kubernetes_host: NEW_CLUSTER_URL,
        disable_iss_validation: false,
        token_reviewer_jwt_set: true,
      });
      expect(config.kubernetes_ca_cert.trim()).toBe(newClusterCa.trim());
      expect(configWrites()).toHaveLength(1);

      // the reviewer's JWT reviews ESO's login, through the binding of the merged manifests
      await cluster.objects.create(cluster.type('namespaces'), undefined, {
        metadata: { name: 'external-secrets' },
      });
      await cluster.objects.create(
        cluster.type('serviceaccounts'),
        'external-secrets',
        { metadata: { name: 'external-secrets' } },
      );
      await h.vault.handle({
        method: 'POST',
        path: '/v1/auth/kubernetes-cluster-3/role/eso',
        headers: { 'x-vault-token': h.vault.rootToken },
        body: JSON.stringify({
          bound_service_account_names: ['external-secrets'],
          bound_service_account_namespaces: ['external-secrets'],
          audience: 'vault',
        }),
      });
      h.vault.setTokenReviewer(createTokenReviewer(cluster));
      expect((await esoLogin()).status).toBe(200);

      // nothing to commit: no second pull request, no pull request step output
      expect(pullRequestsOf('cluster-3')).toHaveLength(1);
      expect(JSON.stringify(run2.events)).toContain(
        'No changes to commit, pull request was not created',
      );
      expect(run2.events.filter(e => e.body.status === 'failed')).toEqual([]);

      // registering again: the catalog refuses the known location, the step passes
      expect(h.registered.length).toBe(registeredBefore);
      expect(run2.output.links).toEqual([
        expect.objectContaining({
          title: 'Open in catalog',
          entityRef: 'resource:default/cluster-3',
        }),
      ]);
      expect(run2.output.text).toHaveLength(1);
      expect(run2.output.text[0].content).toContain(
        'in reviewer-jwt mode: created.',
      );
      expect(run2.output.text[0].content).toContain(
        "The GitOps repository holds this cluster's manifests already: no pull request was needed. Services on this cluster can be created once Argo CD has applied them and ESO is running.",
      );

      // the JWT went to Vault only
      const payload = jwt.split('.')[1];
      expect(taskText(run2)).not.toContain(payload);
      for (const ref of ['main', branch]) {
        for (const file of await h.github.listFiles('acme', 'gitops', ref)) {
          expect(
            await h.github.readFile('acme', 'gitops', ref, file),
          ).not.toContain(payload);
        }
      }
      for (const each of h.github.pullRequests('acme', 'gitops')) {
        expect(each.body).not.toContain(payload);
      }
    });
  });
});
