import { KubernetesEmulator } from './KubernetesEmulator';
import { fieldPaths, fromFieldsV1, toFieldsV1 } from './serverSideApply';

const TOKEN = 'apply-test-token';
const PATH = '/api/v1/namespaces/default/configmaps/settings';

function setup() {
  const emulator = new KubernetesEmulator({
    url: 'https://k8s.apply.test',
    tokens: [TOKEN],
  });
  const apply = (
    data: Record<string, string>,
    query: Record<string, string> = { fieldManager: 'kubectl' },
  ) =>
    emulator.handle({
      method: 'PATCH',
      path: PATH,
      query,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/apply-patch+yaml',
      },
      body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n${Object.entries(
        data,
      )
        .map(([k, v]) => `  ${k}: "${v}"`)
        .join('\n')}\n`,
    });
  const live = () =>
    emulator.objects.get(emulator.type('configmaps'), 'default', 'settings');
  return { apply, live };
}

describe('server-side apply', () => {
  it('creates, records ownership, and removes what the manager stops applying', async () => {
    const { apply, live } = setup();
    const created = await apply({ a: '1', b: '2' });
    expect(created.status).toBe(201);
    expect(live().metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
      }),
    ]);
    const again = await apply({ a: '1', b: '2' });
    expect(again.status).toBe(200);
    expect((await apply({ a: '1' })).status).toBe(200);
    expect(live().data).toEqual({ a: '1' });
  });

  it('is a conflict when another manager owns a field with another value, unless forced', async () => {
    const { apply, live } = setup();
    await apply({ a: '1', b: '2' });
    const conflict = await apply(
      { a: 'changed' },
      { fieldManager: 'deployer' },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl" using v1',
            field: '.data.a',
          },
        ],
      },
    });
    expect(live().data).toEqual({ a: '1', b: '2' });

    // the same value is shared ownership, not a conflict
    expect((await apply({ b: '2' }, { fieldManager: 'deployer' })).status).toBe(
      200,
    );
    const forced = await apply(
      { a: 'changed' },
      { fieldManager: 'deployer', force: 'true' },
    );
    expect(forced.status).toBe(200);
    expect(live().data).toEqual({ a: 'changed', b: '2' });
    const managers = (live().metadata.managedFields as any[]).map(e => [
      e.manager,
      fromFieldsV1(e.fieldsV1),
    ]);
    expect(managers).toEqual([
      ['kubectl', [['data', 'b']]],
      ['deployer', [['data', 'a']]],
    ]);
  });

  it('requires a field manager and validates fields', async () => {
    const { apply } = setup();
    expect((await apply({ a: '1' }, {})).status).toBe(422);
    const emulator = new KubernetesEmulator({
      url: 'https://k8s.apply.test',
      tokens: [TOKEN],
    });
    const strict = await emulator.handle({
      method: 'PATCH',
      path: PATH,
      query: { fieldManager: 'kubectl', fieldValidation: 'Strict' },
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/apply-patch+yaml',
      },
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndatum: {}\n',
    });
    expect(strict.status).toBe(400);
    expect((strict.body as any).message).toContain('unknown field "datum"');
  });

  it('turns configurations into field sets and back', () => {
    const paths = fieldPaths({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { app: 'a' } },
      data: { a: '1' },
      list: [1, 2],
    });
    expect(paths).toEqual([
      ['metadata', 'labels', 'app'],
      ['data', 'a'],
      ['list'],
    ]);
    expect(fromFieldsV1(toFieldsV1(paths))).toEqual(paths);
  });
});
