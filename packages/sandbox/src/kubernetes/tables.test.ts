import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { humanDuration } from './humanDuration';
import { evaluateJsonPath, goPrint, parseJsonPath } from './jsonPath';
import { KubeObject } from './kubeObject';
import { KubernetesEmulator } from './KubernetesEmulator';
import { ESO_PRINTER_COLUMNS } from './tables';

const TOKEN = 'tables-test-token';
const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const CRD_DIR = path.resolve(
  __dirname,
  '../../../..',
  '../shared/fixtures/eso/crds',
);
const haveCrds = fs.existsSync(CRD_DIR);
if (!haveCrds) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the printer column cross-check: ${CRD_DIR} is absent`);
}

const START = new Date('2026-03-01T10:00:00Z');

function setup() {
  let now = START;
  const emulator = new KubernetesEmulator({
    url: 'https://k8s.tables.test',
    tokens: [TOKEN],
    now: () => now,
  });
  const get = async (
    pathname: string,
    query: Record<string, string> = {},
    accept = TABLE_ACCEPT,
  ) =>
    emulator.handle({
      method: 'GET',
      path: pathname,
      query,
      headers: { authorization: `Bearer ${TOKEN}`, accept },
    });
  return {
    emulator,
    get,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

async function seedExternalSecret(emulator: KubernetesEmulator) {
  await emulator.objects.create(emulator.type('namespaces'), undefined, {
    metadata: { name: 'example-api' },
  });
  const type = emulator.type('externalsecrets');
  await emulator.objects.create(type, 'example-api', {
    metadata: { name: 'api-env' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example' },
      target: { name: 'api-env' },
      data: [{ secretKey: 'a', remoteRef: { key: 'example-api/env' } }],
    },
  } as KubeObject);
  await emulator.objects.update(
    type,
    'example-api',
    'api-env',
    {
      ...emulator.objects.get(type, 'example-api', 'api-env'),
      status: {
        refreshTime: '2026-03-01T09:58:00Z',
        conditions: [
          { type: 'Deleted', status: 'False', reason: 'Nope' },
          { type: 'Ready', status: 'True', reason: 'SecretSynced' },
        ],
      },
    },
    { subresource: 'status' },
  );
}

describe('server-side printing (Table)', () => {
  it('prints ExternalSecrets with the columns of their CRD', async () => {
    const { emulator, get } = setup();
    await seedExternalSecret(emulator);
    const response = await get(
      '/apis/external-secrets.io/v1/namespaces/example-api/externalsecrets',
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(
      'application/json;as=Table;v=v1;g=meta.k8s.io',
    );
    const table = response.body as any;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'StoreType',
      'Store',
      'Refresh Interval',
      'Status',
      'Ready',
      'Last Sync',
    ]);
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0].cells).toEqual([
      'api-env',
      'ClusterSecretStore',
      'vault-example',
      '1h',
      'SecretSynced',
      'True',
      '2m',
    ]);
    expect(table.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: expect.objectContaining({ name: 'api-env' }),
    });
    expect(table.metadata.resourceVersion).toEqual(expect.any(String));
  });

  it('prints Secrets with TYPE and DATA without reading their data', async () => {
    const { emulator, get, advance } = setup();
    await emulator.objects.create(emulator.type('secrets'), 'default', {
      metadata: { name: 'token' },
      type: 'kubernetes.io/service-account-token',
      data: { a: 'YQ==', b: 'Yg==', c: 'Yw==' },
    } as KubeObject);
    advance(3 * 60_000 + 20_000);
    const response = await get('/api/v1/namespaces/default/secrets/token');
    const table = response.body as any;
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Type',
      'Data',
      'Age',
    ]);
    expect(table.rows[0].cells).toEqual([
      'token',
      'kubernetes.io/service-account-token',
      3,
      '3m20s',
    ]);
    expect(JSON.stringify(table)).not.toContain('YQ==');
    expect(emulator.requestLog.secretDataReads()).toEqual([]);

    // asking for whole objects in the rows is a read of the data, like a plain GET
    const full = await get('/api/v1/namespaces/default/secrets', {
      includeObject: 'Object',
    });
    expect((full.body as any).rows[0].object.data).toEqual({
      a: 'YQ==',
      b: 'Yg==',
      c: 'Yw==',
    });
    expect(emulator.requestLog.secretDataReads()).toHaveLength(1);
    const bad = await get('/api/v1/namespaces/default/secrets', {
      includeObject: 'Everything',
    });
    expect(bad.status).toBe(400);
  });

  it('prints the usual columns of namespaces, ConfigMaps, service accounts and stores', async () => {
    const { emulator, get } = setup();
    await emulator.objects.create(emulator.type('configmaps'), 'default', {
      metadata: { name: 'settings' },
      data: { a: '1' },
      binaryData: { b: 'AA==' },
    } as KubeObject);
    await emulator.objects.create(emulator.type('serviceaccounts'), 'default', {
      metadata: { name: 'builder' },
      secrets: [{ name: 'one' }],
    } as KubeObject);
    const names = async (pathname: string) =>
      ((await get(pathname)).body as any).columnDefinitions.map(
        (c: any) => c.name,
      );
    expect(await names('/api/v1/namespaces')).toEqual([
      'Name',
      'Status',
      'Age',
    ]);
    expect(
      ((await get('/api/v1/namespaces/default')).body as any).rows[0].cells,
    ).toEqual(['default', 'Active', '0s']);
    expect(
      ((await get('/api/v1/namespaces/default/configmaps')).body as any).rows[0]
        .cells,
    ).toEqual(['settings', 2, '0s']);
    expect(
      ((await get('/api/v1/namespaces/default/serviceaccounts')).body as any)
        .rows[0].cells,
    ).toEqual(['builder', 1, '0s']);
    expect(
      await names('/apis/external-secrets.io/v1/clustersecretstores'),
    ).toEqual(['Name', 'AGE', 'Status', 'Capabilities', 'Ready']);
  });

  it('prints Events oldest first with kubectl get events columns', async () => {
    const { emulator, get } = setup();
    const events = emulator.type('events');
    for (const [name, last] of [
      ['b', '2026-03-01T09:59:00Z'],
      ['a', '2026-03-01T09:50:00Z'],
    ]) {
      await emulator.objects.create(events, 'default', {
        metadata: { name },
        involvedObject: { kind: 'ExternalSecret', name: 'api-env' },
        reason: 'Updated',
        type: 'Normal',
        message: 'secret synced',
        source: { component: 'external-secrets' },
        firstTimestamp: '2026-03-01T09:40:00Z',
        lastTimestamp: last,
        count: 2,
      } as KubeObject);
    }
    const table = (await get('/api/v1/namespaces/default/events')).body as any;
    expect(
      table.columnDefinitions
        .filter((c: any) => c.priority === 0)
        .map((c: any) => c.name),
    ).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    expect(table.rows.map((r: any) => r.cells)).toEqual([
      [
        '10m',
        'Normal',
        'Updated',
        'externalsecret/api-env',
        '',
        'external-secrets',
        'secret synced',
        '20m',
        2,
        'a',
      ],
      [
        '60s',
        'Normal',
        'Updated',
        'externalsecret/api-env',
        '',
        'external-secrets',
        'secret synced',
        '20m',
        2,
        'b',
      ],
    ]);
  });

  it('sends the column definitions with the first watch event only', async () => {
    const { emulator, get } = setup();
    await seedExternalSecret(emulator);
    const response = await get('/apis/external-secrets.io/v1/externalsecrets', {
      watch: 'true',
    });
    expect(response.headers['content-type']).toBe(
      'application/json;as=Table;v=v1;g=meta.k8s.io',
    );
    const type = emulator.type('externalsecrets');
    const current = emulator.objects.get(type, 'example-api', 'api-env');
    await emulator.objects.update(type, 'example-api', 'api-env', {
      ...current,
      metadata: { ...current.metadata, labels: { team: 'a' } },
    });
    const reader = response.stream!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    while (received.split('\n').filter(Boolean).length < 2) {
      const { value } = await reader.read();
      received += decoder.decode(value);
    }
    emulator.close();
    const [added, modified] = received
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line));
    expect(added.type).toBe('ADDED');
    expect(added.object.kind).toBe('Table');
    expect(added.object.columnDefinitions).toHaveLength(7);
    expect(modified.type).toBe('MODIFIED');
    expect(modified.object.columnDefinitions).toBeNull();
    expect(modified.object.rows[0].cells[0]).toBe('api-env');
    expect(modified.object.rows[0].object.metadata.labels).toEqual({
      team: 'a',
    });
  });

  it('answers JSON as before when no table is asked for', async () => {
    const { emulator, get } = setup();
    await seedExternalSecret(emulator);
    const response = await get(
      '/apis/external-secrets.io/v1/externalsecrets',
      {},
      'application/json',
    );
    expect((response.body as any).kind).toBe('ExternalSecretList');
  });
});

const describeWithCrds = haveCrds ? describe : describe.skip;

describeWithCrds('ESO printer columns', () => {
  it("restates the additionalPrinterColumns of ESO's v1 CRDs", () => {
    for (const [file, kind] of [
      ['external-secrets.io_externalsecrets.yaml', 'ExternalSecret'],
      ['external-secrets.io_secretstores.yaml', 'SecretStore'],
      ['external-secrets.io_clustersecretstores.yaml', 'ClusterSecretStore'],
    ]) {
      const crd = parse(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'));
      const v1 = crd.spec.versions.find((v: any) => v.name === 'v1');
      expect({ kind, columns: ESO_PRINTER_COLUMNS[kind] }).toEqual({
        kind,
        columns: v1.additionalPrinterColumns,
      });
    }
  });
});

describe('humanDuration', () => {
  it.each([
    [-5000, '<invalid>'],
    [-500, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [200_000, '3m20s'],
    [11 * 60_000 + 5000, '11m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [7 * 3600_000, '7h'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000 + 4 * 3600_000, '3d4h'],
    [20 * 86400_000, '20d'],
    [(3 * 365 + 2) * 86400_000, '3y2d'],
    [9 * 365 * 86400_000, '9y'],
  ])('%d ms is %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('JSONPath for printer columns', () => {
  const object = {
    status: {
      capabilities: 'ReadWrite',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'InvalidProviderConfig' },
      ],
      list: [1, 2],
      map: { b: 1, a: 'x' },
    },
  };
  it.each([
    ['.status.capabilities', ['ReadWrite']],
    [
      '.status.conditions[?(@.type=="Ready")].reason',
      ['InvalidProviderConfig'],
    ],
    ['.status.conditions[?(@.type!="Ready")].reason', []],
    ['.status.conditions[0].status', ['False']],
    ['.status.list[*]', [1, 2]],
    ["{.status['capabilities']}", ['ReadWrite']],
    ['.spec.missing', []],
  ])('%s', (jsonPath, expected) => {
    expect(evaluateJsonPath(parseJsonPath(jsonPath), object)).toEqual(expected);
  });
  it('rejects what it cannot evaluate', () => {
    expect(() => parseJsonPath('.a..b')).toThrow('unsupported JSONPath');
    expect(() => parseJsonPath('.a[?(@.x>1)]')).toThrow('unsupported JSONPath');
  });
  it('prints like Go', () => {
    expect(goPrint(object.status.list)).toBe('[1 2]');
    expect(goPrint(object.status.map)).toBe('map[a:x b:1]');
  });
});
