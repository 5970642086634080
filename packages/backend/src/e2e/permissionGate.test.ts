import {
  BackstageCredentials,
  PermissionsService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { ExternalSecretsActionsPermissionPolicy } from '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets';
import {
  HARNESS_CLUSTER,
  ScaffolderHarness,
  TaskResult,
} from './__testUtils__/scaffolderHarness';

// The policy of the module README in a real scaffolder, which asks for
// `scaffolder.action.execute` before every step and applies the conditional decision to the
// step's action id and input itself: alice is privileged, mallory may run the actions only
// with their default inputs.
const ALICE = 'user:default/alice';
const MALLORY = 'user:default/mallory';

/**
 * The permissions service answered in-process by the policy, as the permission backend would
 * answer it (the test backend's mock auth cannot mint the on-behalf-of tokens the permission
 * backend requires of user requests).
 */
const permissionsFromPolicy = createServiceFactory({
  service: coreServices.permissions,
  deps: { userInfo: coreServices.userInfo },
  factory({ userInfo }): PermissionsService {
    const policy = new ExternalSecretsActionsPermissionPolicy({
      userInfo,
      privileged: [ALICE],
    });
    const decide = async (
      requests: Array<{ permission: any }>,
      options?: { credentials: BackstageCredentials },
    ): Promise<PolicyDecision[]> => {
      const credentials = options?.credentials;
      const user =
        credentials?.principal && (credentials.principal as any).type === 'user'
          ? {
              credentials: credentials as any,
              info: await userInfo.getUserInfo(credentials),
            }
          : undefined;
      return Promise.all(
        requests.map(r => policy.handle({ permission: r.permission }, user)),
      );
    };
    return {
      authorizeConditional:
        decide as PermissionsService['authorizeConditional'],
      authorize: (async (requests: any, options: any) =>
        (await decide(requests, options)).map(decision =>
          decision.result === AuthorizeResult.CONDITIONAL
            ? { result: AuthorizeResult.DENY }
            : decision,
        )) as PermissionsService['authorize'],
    };
  },
});

/** A small template whose one step lets the form choose `overwrite`. */
const policyTemplate: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'vault-policy', namespace: 'default' },
  spec: {
    type: 'service',
    parameters: [
      {
        properties: {
          name: { type: 'string' },
          overwrite: { type: 'boolean' },
          pathPrefix: { type: 'string' },
        },
      },
    ],
    steps: [
      {
        id: 'policy',
        action: 'vault:policy:create',
        input: {
          name: '${{ parameters.name }}',
          overwrite: '${{ parameters.overwrite }}',
          pathPrefix: '${{ parameters.pathPrefix }}',
        },
      },
    ],
  },
};

function failure(result: TaskResult) {
  return result.events.find(e => e.body.status === 'failed' && e.body.stepId)
    ?.body;
}

describe('the permission policy of the README, in a real scaffolder', () => {
  const h = new ScaffolderHarness();

  beforeAll(async () => {
    await h.start(
      import(
        '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets'
      ),
      {
        features: [permissionsFromPolicy],
        entities: [policyTemplate],
      },
    );
    await h.github.createRepository('acme', 'gitops');
  }, 120_000);

  afterAll(() => h.stop(), 30_000);

  const run = (values: Record<string, unknown>, user: string) =>
    h.runTemplate(
      values,
      {},
      { user, templateRef: 'template:default/vault-policy' },
    );

  it('lets anyone run an action with its default inputs', async () => {
    const result = await run({ name: 'orders', overwrite: false }, MALLORY);
    expect(result.status).toBe('completed');
    expect(await h.vaultRead('sys/policies/acl/orders')).toBeDefined();
  }, 60_000);

  it.each([
    ['overwrite: true', { name: 'orders', overwrite: true }],
    ['a pathPrefix', { name: 'orders', pathPrefix: 'orders/batch' }],
  ])(
    'refuses %s to someone outside the privileged list, before the action runs',
    async (_what, values) => {
      h.vault.clearRequests();
      const result = await run(values, MALLORY);
      expect(result.status).toBe('failed');
      expect(failure(result)).toMatchObject({
        stepId: 'policy',
        message: expect.stringContaining(
          'Unauthorized action: vault:policy:create',
        ),
      });
      expect(h.vault.requests).toEqual([]);
    },
    60_000,
  );

  it('lets a privileged user set those inputs (the action’s own rules still apply)', async () => {
    const result = await run(
      { name: 'orders', overwrite: true, pathPrefix: 'orders/batch' },
      ALICE,
    );
    expect(result.status).toBe('completed');
    expect((await h.vaultRead('sys/policies/acl/orders')).policy).toContain(
      'secret/data/orders/batch/*',
    );
    const outside = await run(
      { name: 'orders', overwrite: true, pathPrefix: 'payments' },
      ALICE,
    );
    expect(failure(outside)?.message).toMatch(
      /pathPrefix.*externalSecrets\.vault\.allowedPathRoots/,
    );
  }, 60_000);

  it('gates the real template the same way: a non-default KV mount from the form is refused', async () => {
    h.vault.clearRequests();
    const result = await h.runTemplate(
      {
        name: 'billing',
        owner: 'group:default/payments-team',
        cluster: HARNESS_CLUSTER,
        secrets: [
          { name: 'db', properties: [{ property: 'url', secretKey: 'URL' }] },
        ],
        gitopsRepoUrl: h.repoUrl('gitops'),
        repoUrl: h.repoUrl('billing'),
        kvMount: 'kv',
      },
      {},
      { user: MALLORY },
    );
    expect(failure(result)).toMatchObject({
      stepId: 'policy',
      message: expect.stringContaining('Unauthorized action'),
    });
    expect(h.vault.requests).toEqual([]);
  }, 60_000);
});
