import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { SEED_SERVICES } from 'sandbox/seed';
import { parse, parseAllDocuments } from 'yaml';
import { createManifestsCreateAction } from './manifestsCreate';
import { manifestsCreateExamples } from './manifestsCreate.examples';

// ESO's CRDs live beside the repository (../shared), never inside it.
const CRD_DIR = path.resolve(
  __dirname,
  '../../../../../shared/fixtures/eso/crds',
);
const haveCrds = fs.existsSync(CRD_DIR);
if (!haveCrds) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the CRD cross-check: ${CRD_DIR} is absent`);
}

type Schema = Record<string, any>;

/**
 * The API server prunes fields a structural schema does not declare, so a misspelled field
 * would silently vanish. Closing every declared object makes ajv report such fields instead.
 */
function closeObjects(schema: Schema): Schema {
  if (Array.isArray(schema)) {
    return schema.map(closeObjects);
  }
  if (!schema || typeof schema !== 'object') {
    return schema;
  }
  const result: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    result[key] =
      key === 'properties'
        ? Object.fromEntries(
            Object.entries(value as Schema).map(([k, v]) => [
              k,
              closeObjects(v),
            ]),
          )
        : closeObjects(value);
  }
  if (
    result.type === 'object' &&
    result.properties &&
    result.additionalProperties === undefined &&
    !result['x-kubernetes-preserve-unknown-fields']
  ) {
    result.additionalProperties = false;
  }
  return result;
}

function loadValidators(): Record<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('int32', { type: 'number', validate: Number.isInteger });
  ajv.addFormat('int64', { type: 'number', validate: Number.isInteger });
  ajv.addFormat('date-time', {
    validate: (s: string) => !isNaN(Date.parse(s)),
  });
  const validators: Record<string, ValidateFunction> = {};
  for (const file of fs.readdirSync(CRD_DIR)) {
    for (const doc of parseAllDocuments(
      fs.readFileSync(path.join(CRD_DIR, file), 'utf8'),
    )) {
      const crd = doc.toJS();
      const v1 = crd?.spec?.versions?.find((v: Schema) => v.name === 'v1');
      if (v1) {
        validators[crd.spec.names.kind] = ajv.compile(
          closeObjects(v1.schema.openAPIV3Schema),
        );
      }
    }
  }
  return validators;
}

const config = new ConfigReader({
  externalSecrets: {
    manifests: {
      store: {
        server: 'https://vault.example.com:8200',
        caProvider: {
          type: 'ConfigMap',
          name: 'vault-ca',
          key: 'ca.crt',
          namespace: 'external-secrets',
        },
        audiences: ['https://kubernetes.default.svc.cluster.local'],
      },
    },
    // the cluster the examples name
    clusters: [
      { name: 'edge', url: 'https://edge.test:6443', serviceAccountToken: 't' },
    ],
  },
});

const pem = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
).toString('base64');

const inputs: Array<[string, Record<string, any>]> = [
  ...SEED_SERVICES.map((s): [string, Record<string, any>] => [
    `seed ${s.name}`,
    {
      name: s.name,
      secrets: [
        {
          name: s.secretName,
          properties: [{ property: s.property, secretKey: s.secretKey }],
        },
      ],
    },
  ]),
  ...manifestsCreateExamples.map((e): [string, Record<string, any>] => [
    `example: ${e.description}`,
    parse(e.example).steps[0].input,
  ]),
  [
    'a CA bundle, KV v1 and Delete policy',
    {
      name: 'ledger',
      store: { caBundle: pem, kvVersion: 'v1' },
      deletionPolicy: 'Delete',
      secrets: [
        { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
      ],
    },
  ],
];

(haveCrds ? describe : describe.skip)(
  'rendered manifests against ESO’s CRD schemas',
  () => {
    const validators = haveCrds ? loadValidators() : {};

    it('knows the three ESO kinds', () => {
      expect(Object.keys(validators).sort()).toEqual([
        'ClusterSecretStore',
        'ExternalSecret',
        'SecretStore',
      ]);
    });

    it('catches a misspelled field, so the check can fail', () => {
      const valid = validators.ExternalSecret({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'x' },
        spec: { refreshIntervall: '1m' },
      });
      expect(valid).toBe(false);
    });

    it.each(inputs)('%s', async (_, input) => {
      const workspacePath = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-'));
      try {
        const ctx = createMockActionContext({ input, workspacePath });
        await createManifestsCreateAction({ config }).handler(ctx as any);
        const files = (ctx.output as jest.Mock).mock.calls.find(
          ([name]) => name === 'files',
        )[1] as string[];
        const checked: string[] = [];
        for (const file of files) {
          const object = parse(
            fs.readFileSync(path.join(workspacePath, file), 'utf8'),
          );
          const validate = validators[object.kind];
          // Not ESO kinds: the kustomization, and the service's own ServiceAccount (core v1).
          if (object.kind === 'Kustomization') {
            continue;
          }
          if (object.kind === 'ServiceAccount' && object.apiVersion === 'v1') {
            continue;
          }
          expect(validate).toBeDefined();
          const valid = validate(object);
          expect(validate.errors ?? []).toEqual([]);
          expect(valid).toBe(true);
          checked.push(object.kind);
        }
        expect(checked).toContain('ExternalSecret');
      } finally {
        fs.rmSync(workspacePath, { recursive: true, force: true });
      }
    });
  },
);
