import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleExternalSecrets } from '../module';
import { parseActionInput, kvVersionField, clusterField } from './inputFields';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  [key: string]: unknown;
};

/** The input JSON schemas of the module's actions, as the scaffolder registers them. */
async function inputSchemas(): Promise<Record<string, JsonSchema>> {
  const addActions = jest.fn();
  const backend = await startTestBackend({
    extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
    features: [
      scaffolderModuleExternalSecrets,
      mockServices.rootConfig.factory({ data: {} }),
    ],
  });
  await backend.stop();
  return Object.fromEntries(
    addActions.mock.calls
      .flat()
      .map((action: { id: string; schema?: { input?: JsonSchema } }) => [
        action.id,
        action.schema?.input ?? {},
      ]),
  );
}

/** A field's JSON schema without its action-specific wording. */
function rule(schema: JsonSchema | undefined): JsonSchema {
  const { description: _description, ...rest } = schema ?? {};
  return rest;
}

describe('shared input fields', () => {
  it('gives every action the same rule for kvVersion, kvMount, name, cluster and overwrite', async () => {
    const schemas = await inputSchemas();
    const policy = schemas['vault:policy:create'].properties!;
    const seed = schemas['vault:kv:seed'].properties!;
    const role = schemas['vault:kubernetes-role:create'].properties!;
    const manifests = schemas['external-secrets:manifests:create'].properties!;
    const store = manifests.store.properties!;
    const authConfigure =
      schemas['vault:kubernetes-auth:configure'].properties!;
    const clusterFiles =
      schemas['external-secrets:cluster-manifests:create'].properties!;

    // the KV versions accepted are the same wherever a KV version is asked for
    expect(rule(policy.kvVersion)).toEqual(rule(seed.kvVersion));
    expect(rule(store.kvVersion)).toEqual(rule(policy.kvVersion));
    expect(JSON.stringify(policy.kvVersion)).toContain('"v2"');
    expect(rule(policy.kvMount)).toEqual(rule(seed.kvMount));
    expect(rule(store.kvMount)).toEqual(rule(seed.kvMount));
    for (const props of [seed, role, manifests]) {
      expect(rule(props.name)).toEqual(rule(policy.name));
    }
    expect(rule(role.cluster)).toEqual(rule(manifests.cluster));
    expect(rule(authConfigure.cluster)).toEqual(rule(clusterFiles.cluster));
    expect(rule(authConfigure.cluster)).toMatchObject({
      type: 'string',
      minLength: 1,
      maxLength: 253,
    });
    expect(rule(authConfigure.reviewerMode)).toEqual(
      rule(clusterFiles.reviewerMode),
    );
    for (const props of [role, manifests, authConfigure, clusterFiles]) {
      expect(rule(props.overwrite)).toEqual(rule(policy.overwrite));
    }
  });

  it('keeps each action its own wording', async () => {
    const schemas = await inputSchemas();
    expect(
      schemas['vault:policy:create'].properties!.kvMount.description,
    ).toMatch(/allowedPathRoots/);
    expect(
      schemas['external-secrets:manifests:create'].properties!.store.properties!
        .kvVersion.description,
    ).toBe('KV version 1 or 2 (default: 2)');
  });
});

describe('parseActionInput', () => {
  const fields = {
    cluster: clusterField('the cluster'),
    kvVersion: kvVersionField('the version'),
  };

  it('returns the input when it fits the fields', () => {
    expect(
      parseActionInput(fields, { cluster: 'prod', kvVersion: 'v2' }),
    ).toEqual({ cluster: 'prod', kvVersion: 'v2' });
  });

  it('names every wrong field, and refuses keys the action does not take', () => {
    expect(() =>
      parseActionInput(fields, { cluster: '', kvVersion: 3, extra: true }),
    ).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringMatching(
          /^Invalid input: cluster: .*; kvVersion: .*; input: Unrecognized key\(s\) in object: 'extra'$/,
        ),
      }),
    );
  });
});
