import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createManifestsCreateAction } from './manifestsCreate';

// Values no name, key, path or duration field may accept: they would break YAML, a Vault path,
// a Kubernetes name or the GitOps repository layout.
const HOSTILE = [
  '',
  ' ',
  '\t',
  'a b',
  'a\nb',
  'a\r\nb',
  'a\u0000b',
  '../etc',
  '..',
  'a/../b',
  '/abs',
  'a//b',
  'a/',
  '*',
  'a*',
  '+',
  'a+b',
  '#',
  'a#b',
  '"',
  'x" { capabilities = ["sudo"] } path "',
  "x' or '1'='1",
  '{{ secrets.x }}',
  '${{ secrets.x }}',
  '$(whoami)',
  '`id`',
  'a;b',
  'a|b',
  'a&b',
  'a>b',
  'a<b',
  'a\\b',
  'a:b',
  'a,b',
  'a=b',
  'a?b',
  'a%2Fb',
  'a@b',
  '[a]',
  '{a}',
  '(a)',
  '!a',
  'é',
  'ехample', // Cyrillic "е" and "х"
  'a\u200bb', // zero-width space
  'a\u202eb', // right-to-left override
  '🔑',
  'ａpi', // full-width "a"
  'a'.repeat(600),
  '\u00a0',
];

const secrets = [
  { name: 'db', properties: [{ property: 'password', secretKey: 'PASSWORD' }] },
];

type Override = (value: string) => Record<string, unknown>;

const FIELDS: Array<[string, Override]> = [
  ['name', v => ({ name: v })],
  ['namespace', v => ({ namespace: v || ' ' })],
  ['secrets[].name', v => ({ secrets: [{ ...secrets[0], name: v }] })],
  [
    'secrets[].vaultKey',
    v => ({ secrets: [{ ...secrets[0], vaultKey: v || ' ' }] }),
  ],
  [
    'properties[].property',
    v => ({
      secrets: [{ name: 'db', properties: [{ property: v, secretKey: 'K' }] }],
    }),
  ],
  [
    'properties[].secretKey',
    v => ({
      secrets: [{ name: 'db', properties: [{ property: 'p', secretKey: v }] }],
    }),
  ],
  ['store.name', v => ({ store: { name: v || ' ' } })],
  ['store.kvMount', v => ({ store: { kvMount: v || ' ' } })],
  ['store.authMount', v => ({ store: { authMount: v || ' ' } })],
  ['store.role', v => ({ store: { role: v || ' ' } })],
  [
    'store.serviceAccount.name',
    v => ({ store: { serviceAccount: { name: v || ' ' } } }),
  ],
  [
    'store.serviceAccount.namespace',
    v => ({ store: { serviceAccount: { namespace: v || ' ' } } }),
  ],
  [
    'store.caProvider.name',
    v => ({ store: { caProvider: { name: v || ' ' } } }),
  ],
  ['store.caProvider.key', v => ({ store: { caProvider: { key: v || ' ' } } })],
  [
    'store.caProvider.namespace',
    v => ({ store: { caProvider: { namespace: v || ' ' } } }),
  ],
  ['refreshInterval', v => ({ refreshInterval: v || ' ' })],
  ['targetPath', v => ({ targetPath: v || ' ' })],
  ['cluster', v => ({ cluster: v })],
];

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
      },
    },
    // a configured cluster, so a hostile `cluster` is refused for itself, not for a missing list
    clusters: [
      { name: 'edge', url: 'https://edge.test:6443', serviceAccountToken: 't' },
    ],
  },
});

describe('external-secrets:manifests:create with hostile input', () => {
  let workspacePath: string;

  beforeAll(async () => {
    workspacePath = await fs.mkdtemp(
      path.join(os.tmpdir(), 'manifests-hostile-'),
    );
  });

  afterAll(async () => {
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  it('accepts the baseline input, so every rejection below comes from the hostile value', async () => {
    const ctx = createMockActionContext({
      input: { name: 'shop', secrets, targetPath: 'baseline' },
      workspacePath,
    });
    await createManifestsCreateAction({ config }).handler(ctx as any);
    // store, ExternalSecret, the service's ServiceAccount, kustomization
    expect(await fs.readdir(path.join(workspacePath, 'baseline'))).toHaveLength(
      4,
    );
    await fs.rm(path.join(workspacePath, 'baseline'), { recursive: true });
  });

  it.each(FIELDS)(
    'rejects every hostile value of %s with an InputError and writes nothing',
    async (field, override) => {
      const action = createManifestsCreateAction({ config });
      const accepted: string[] = [];
      for (const value of HOSTILE) {
        const ctx = createMockActionContext({
          input: { name: 'shop', secrets, ...override(value) } as any,
          workspacePath,
        });
        try {
          await action.handler(ctx as any);
          accepted.push(JSON.stringify(value));
        } catch (error) {
          if (!(error instanceof InputError)) {
            accepted.push(`${JSON.stringify(value)} (${error})`);
          }
        }
      }
      const written = await fs.readdir(workspacePath);
      await fs.rm(workspacePath, { recursive: true, force: true });
      await fs.mkdir(workspacePath);
      expect({ field, accepted, written }).toEqual({
        field,
        accepted: [],
        written: [],
      });
    },
  );
});
