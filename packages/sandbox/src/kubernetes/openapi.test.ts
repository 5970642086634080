import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { KubernetesEmulator } from './KubernetesEmulator';
import { OpenApiDocuments } from './openapi';
import { componentNameOf } from './openapiSchemas';
import { RESOURCE_TYPES } from './resourceTypes';

// Reading the model declarations takes a few seconds on the shared machine.
jest.setTimeout(60_000);

const TOKEN = 'openapi-test-token';
const CRD_DIR = path.resolve(
  __dirname,
  '../../../..',
  '../shared/fixtures/eso/crds',
);
const haveCrds = fs.existsSync(CRD_DIR);
if (!haveCrds) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the OpenAPI/CRD cross-check: ${CRD_DIR} is absent`);
}
const describeWithCrds = haveCrds ? describe : describe.skip;

const emulator = new KubernetesEmulator({
  url: 'https://k8s.openapi.test',
  tokens: [TOKEN],
});

async function request(
  method: string,
  pathname: string,
  options: { query?: Record<string, string>; body?: unknown } = {},
) {
  return emulator.handle({
    method,
    path: pathname,
    query: options.query,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

describe('OpenAPI v3', () => {
  it('lists one document per group version, each at a URL with its hash', async () => {
    const response = await request('GET', '/openapi/v3');
    const { paths } = response.body as any;
    expect(Object.keys(paths).sort()).toEqual([
      'api/v1',
      'apis/apps/v1',
      'apis/argoproj.io/v1alpha1',
      'apis/authentication.k8s.io/v1',
      'apis/authorization.k8s.io/v1',
      'apis/external-secrets.io/v1',
      'apis/external-secrets.io/v1alpha1',
      'apis/rbac.authorization.k8s.io/v1',
    ]);
    expect(paths['api/v1'].serverRelativeURL).toMatch(
      /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/,
    );
    const unauthenticated = await emulator.handle({
      method: 'GET',
      path: '/openapi/v3',
    });
    expect(unauthenticated.status).toBe(401);
  });

  it('describes Secrets: PATCH with fieldValidation and strategic merge, schema with docs', async () => {
    const response = await request('GET', '/openapi/v3/api/v1', {
      query: { hash: 'x' },
    });
    expect(response.headers['cache-control']).toBe('public, immutable');
    const document = response.body as any;
    const item =
      document.paths['/api/v1/namespaces/{namespace}/secrets/{name}'];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({
      group: '',
      kind: 'Secret',
      version: 'v1',
    });
    expect(item.patch.parameters.map((p: any) => p.name)).toContain(
      'fieldValidation',
    );
    expect(Object.keys(item.patch.requestBody.content)).toContain(
      'application/strategic-merge-patch+json',
    );
    const secret = document.components.schemas['io.k8s.api.core.v1.Secret'];
    expect(secret['x-kubernetes-group-version-kind']).toEqual([
      { group: '', kind: 'Secret', version: 'v1' },
    ]);
    expect(secret.properties.data).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
      description: expect.stringContaining('base64 encoded string'),
    });
    expect(secret.required).toBeUndefined();
    expect(
      document.components.schemas[
        'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'
      ].properties.ownerReferences['x-kubernetes-patch-merge-key'],
    ).toBe('uid');
    expect(document.paths['/api/v1/secrets'].get['x-kubernetes-action']).toBe(
      'list',
    );
  });

  it("inlines ESO's schemas like a CRD's, without strategic merge", async () => {
    const document = (
      await request('GET', '/openapi/v3/apis/external-secrets.io/v1')
    ).body as any;
    const es =
      document.components.schemas['io.external-secrets.v1.ExternalSecret'];
    expect(
      es.properties.spec.properties.target.properties.creationPolicy.enum,
    ).toEqual(['Owner', 'Orphan', 'Merge', 'None']);
    expect(es.properties.metadata.allOf[0].$ref).toBe(
      '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    );
    const patch =
      document.paths[
        '/apis/external-secrets.io/v1/namespaces/{namespace}/externalsecrets/{name}'
      ].patch;
    expect(Object.keys(patch.requestBody.content).sort()).toEqual([
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
    ]);
    expect(
      document.paths[
        '/apis/external-secrets.io/v1/clustersecretstores/{name}/status'
      ].put,
    ).toBeDefined();
    expect((await request('GET', '/openapi/v3/apis/batch/v1')).status).toBe(
      404,
    );
  });

  it('names components like the API server', () => {
    expect(componentNameOf('IIoK8sApiCoreV1Secret')).toBe(
      'io.k8s.api.core.v1.Secret',
    );
    expect(componentNameOf('IIoK8sApimachineryPkgApisMetaV1ObjectMeta')).toBe(
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    );
    expect(componentNameOf('IIoK8sApiRbacV1beta1Role')).toBe(
      'io.k8s.api.rbac.v1beta1.Role',
    );
    expect(componentNameOf('IIoK8sApimachineryPkgUtilIntstrIntOrString')).toBe(
      undefined,
    );
  });
});

describe('field validation', () => {
  beforeAll(async () => {
    await emulator.objects.create(emulator.type('namespaces'), undefined, {
      metadata: { name: 'example-api' },
    });
  });

  const configMap = (name: string, extra: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { a: 'b' },
    ...extra,
  });

  it('rejects undeclared fields with fieldValidation=Strict and changes nothing', async () => {
    const response = await request(
      'POST',
      '/api/v1/namespaces/example-api/configmaps',
      {
        query: { fieldValidation: 'Strict' },
        body: configMap('strict', { datum: { a: 'b' } }),
      },
    );
    expect(response.status).toBe(400);
    expect((response.body as any).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datum"',
    );
    expect(
      (await request('GET', '/api/v1/namespaces/example-api/configmaps/strict'))
        .status,
    ).toBe(404);
  });

  it('names nested fields of ESO objects', async () => {
    const response = await request(
      'POST',
      '/apis/external-secrets.io/v1/namespaces/example-api/externalsecrets',
      {
        query: { fieldValidation: 'Strict' },
        body: {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: { name: 'typo' },
          spec: {
            refreshIntervl: '1h',
            secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
            data: [{ secretKey: 'a', remoteRef: { key: 'k', proprety: 'p' } }],
          },
        },
      },
    );
    expect(response.status).toBe(400);
    expect((response.body as any).message).toBe(
      'ExternalSecret in version "v1" cannot be handled as a ExternalSecret: strict decoding error: unknown field "spec.refreshIntervl", unknown field "spec.data[0].remoteRef.proprety"',
    );
  });

  it('accepts Argo CD Applications with any Helm values, and names a misspelled field', async () => {
    await request('POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'argocd' },
      },
    });
    const application = (spec: Record<string, unknown>, name: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name,
        annotations: { 'argocd.argoproj.io/sync-wave': '-10' },
      },
      spec: {
        project: 'default',
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: 'eso',
        },
        syncPolicy: {
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        },
        ...spec,
      },
    });
    const collection =
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
    const created = await request('POST', collection, {
      query: { fieldValidation: 'Strict' },
      body: application(
        {
          source: {
            repoURL: 'https://charts.example.com',
            chart: 'external-secrets',
            targetRevision: '2.9.0',
            helm: { valuesObject: { installCRDs: true, any: { nested: [1] } } },
          },
        },
        'external-secrets',
      ),
    });
    expect(created.status).toBe(201);
    expect((created.body as any).metadata.generation).toBe(1);
    const typo = await request('POST', collection, {
      query: { fieldValidation: 'Strict' },
      body: application(
        { source: { repoURL: 'https://charts.example.com', chartt: 'x' } },
        'typo',
      ),
    });
    expect(typo.status).toBe(400);
    expect((typo.body as any).message).toBe(
      'Application in version "v1alpha1" cannot be handled as a Application: strict decoding error: unknown field "spec.source.chartt"',
    );
    const document = (
      await request('GET', '/openapi/v3/apis/argoproj.io/v1alpha1')
    ).body as any;
    expect(
      document.components.schemas['io.argoproj.v1alpha1.Application'][
        'x-kubernetes-group-version-kind'
      ],
    ).toEqual([
      { group: 'argoproj.io', kind: 'Application', version: 'v1alpha1' },
    ]);
  });

  it('warns by default and with Warn, and says nothing with Ignore', async () => {
    const warned = await request(
      'POST',
      '/api/v1/namespaces/example-api/configmaps',
      { body: configMap('warned', { datum: {} }) },
    );
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"datum\\""');
    const ignored = await request(
      'POST',
      '/api/v1/namespaces/example-api/configmaps',
      {
        query: { fieldValidation: 'Ignore' },
        body: configMap('ignored', { datum: {} }),
      },
    );
    expect(ignored.status).toBe(201);
    expect(ignored.headers.warning).toBeUndefined();
    const bad = await request(
      'POST',
      '/api/v1/namespaces/example-api/configmaps',
      { query: { fieldValidation: 'Loose' }, body: configMap('bad', {}) },
    );
    expect(bad.status).toBe(400);
  });
});

describeWithCrds("ESO's CRDs", () => {
  type Schema = Record<string, any>;
  const fieldPaths = (
    schema: Schema,
    components: Record<string, Schema>,
    prefix = '',
    out = new Set<string>(),
  ): Set<string> => {
    let s = schema;
    if (s.$ref) s = components[s.$ref.split('/').pop()];
    if (s.allOf) s = { ...components[s.allOf[0].$ref?.split('/').pop()], ...s };
    for (const [key, child] of Object.entries<Schema>(s.properties ?? {})) {
      out.add(`${prefix}.${key}`);
      fieldPaths(child, components, `${prefix}.${key}`, out);
    }
    if (s.items) fieldPaths(s.items, components, `${prefix}[]`, out);
    return out;
  };

  it('declares the ExternalSecret and Vault store fields the plugins write', () => {
    const documents = new OpenApiDocuments(RESOURCE_TYPES, 'v1.33.0');
    const crdPaths = (file: string) => {
      const crd = parse(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'));
      const v1 = crd.spec.versions.find((v: any) => v.name === 'v1');
      return fieldPaths(v1.schema.openAPIV3Schema, {});
    };
    const ours = (plural: string) => {
      const { schema, components } = documents.schemaOf(
        RESOURCE_TYPES.find(t => t.plural === plural)!,
      );
      return fieldPaths(schema, components);
    };
    const es = ours('externalsecrets');
    const used = [
      '.spec.refreshInterval',
      '.spec.secretStoreRef.kind',
      '.spec.target.creationPolicy',
      '.spec.target.template.engineVersion',
      '.spec.data[].remoteRef.property',
      '.spec.dataFrom[].extract.key',
      '.status.conditions[].reason',
      '.status.refreshTime',
      '.status.syncedResourceVersion',
    ];
    const esCrd = crdPaths('external-secrets.io_externalsecrets.yaml');
    for (const field of used) {
      expect({ field, crd: esCrd.has(field) }).toEqual({ field, crd: true });
      expect({ field, ours: es.has(field) }).toEqual({ field, ours: true });
    }
    const store = ours('clustersecretstores');
    const storeCrd = crdPaths('external-secrets.io_clustersecretstores.yaml');
    const vault = [...storeCrd].filter(f =>
      /^\.spec\.provider\.vault\.(server|path|version|caProvider|auth\.kubernetes)/.test(
        f,
      ),
    );
    expect(vault.length).toBeGreaterThan(10);
    expect(vault.filter(f => !store.has(f))).toEqual([]);
  });
});
