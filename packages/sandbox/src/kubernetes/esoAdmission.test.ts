import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { KubernetesApiError } from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { KubernetesEmulator } from './KubernetesEmulator';

const EXAMPLES = path.resolve(
  __dirname,
  '../../../..',
  '../shared/fixtures/eso/examples/eso',
);
const haveFixtures = fs.existsSync(EXAMPLES);
if (!haveFixtures) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping ESO example admission tests: ${EXAMPLES} is absent`);
}
const describeWithFixtures = haveFixtures ? describe : describe.skip;

/** Reads an example; ESO's docs wrap some in Jinja `{% raw %}` lines, which are not YAML. */
function example(file: string): KubeObject {
  const text = fs
    .readFileSync(path.join(EXAMPLES, file), 'utf8')
    .split('\n')
    .filter(line => !/^\{%.*%\}\s*$/.test(line))
    .join('\n');
  return parse(text, { uniqueKeys: false });
}

async function admit(object: KubeObject) {
  const cluster = new KubernetesEmulator({ url: 'https://k8s.test' });
  const namespace = object.metadata.namespace;
  if (namespace && namespace !== 'default') {
    await cluster.objects.create(cluster.type('namespaces'), undefined, {
      metadata: { name: namespace },
    });
  }
  const plural = `${object.kind!.toLowerCase()}s`;
  return cluster.objects.create(cluster.type(plural), namespace, object);
}

async function rejection(object: KubeObject): Promise<KubernetesApiError> {
  try {
    await admit(object);
  } catch (error) {
    return error as KubernetesApiError;
  }
  throw new Error('expected admission to reject the object');
}

describeWithFixtures(
  "ESO admission against ESO's own example manifests",
  () => {
    it('admits the documented Vault Kubernetes-auth SecretStore and ExternalSecrets', async () => {
      await expect(
        admit(example('vault-kubernetes-store.yaml')),
      ).resolves.toMatchObject({
        metadata: { generation: 1 },
      });
      const full = example('full-external-secret.yaml');
      const fullInDefault = {
        ...full,
        metadata: { ...full.metadata, namespace: 'default' },
      };
      // The docs example carries a numeric annotation, which the real API server rejects too.
      const numeric = await rejection(fullInDefault);
      expect(numeric.code).toBe(422);
      expect(numeric.message).toContain(
        'metadata.annotations.acme.org/sha: Invalid value: 1234',
      );
      fullInDefault.metadata.annotations = { 'acme.org/sha': '1234' };
      await expect(admit(fullInDefault)).resolves.toBeDefined();
    });

    it('rejects the all-providers documentation store: the schema allows one provider', async () => {
      const error = await rejection(example('full-secret-store.yaml'));
      expect(error.code).toBe(422);
      expect(error.message).toMatch(
        /^SecretStore\.external-secrets\.io "example" is invalid: /,
      );
      expect(error.toStatus().details?.causes).toContainEqual(
        expect.objectContaining({
          field: 'spec.provider',
          message: expect.stringContaining(
            'must NOT have more than 1 property',
          ),
        }),
      );
    });

    it('answers schema violations in an example with 422 and the field path', async () => {
      const store = example('vault-kubernetes-store.yaml');
      (store.spec as any).provider.vault.auth.kubernetes.role = 42;
      const error = await rejection(store);
      expect(error.code).toBe(422);
      expect(error.toStatus().details?.causes).toContainEqual(
        expect.objectContaining({
          field: 'spec.provider.vault.auth.kubernetes.role',
        }),
      );
    });
  },
);

describe("ESO's store webhook rules on tenancy", () => {
  const store = (
    kind: 'SecretStore' | 'ClusterSecretStore',
    auth: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): KubeObject => ({
    apiVersion: 'external-secrets.io/v1',
    kind,
    metadata: {
      name: 'vault',
      ...(kind === 'SecretStore' ? { namespace: 'payments' } : {}),
    },
    spec: {
      provider: {
        vault: {
          server: 'https://vault.test:8200',
          path: 'secret',
          version: 'v2',
          auth: { kubernetes: { mountPath: 'kubernetes', role: 'r', ...auth } },
        },
      },
      ...extra,
    },
  });

  it('admits a ClusterSecretStore account without a namespace (resolved per ExternalSecret)', async () => {
    await expect(
      admit(
        store('ClusterSecretStore', { serviceAccountRef: { name: 'app' } }),
      ),
    ).resolves.toBeDefined();
  });

  it("refuses a namespaced store's account or secret in another namespace", async () => {
    const account = await rejection(
      store('SecretStore', {
        serviceAccountRef: { name: 'app', namespace: 'orders' },
      }),
    );
    expect(account.code).toBe(403);
    expect(account.message).toBe(
      'admission webhook "validate.secretstore.external-secrets.io" denied the request: invalid Auth.Kubernetes.ServiceAccountRef: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore',
    );
    const secret = await rejection(
      store('SecretStore', {
        secretRef: { name: 'jwt', key: 'token', namespace: 'orders' },
      }),
    );
    expect(secret.message).toContain('invalid Auth.Kubernetes.SecretRef:');
    await expect(
      admit(
        store('SecretStore', {
          serviceAccountRef: { name: 'app', namespace: 'payments' },
        }),
      ),
    ).resolves.toBeDefined();
  });

  it('refuses a condition whose namespace regex does not compile', async () => {
    const error = await rejection(
      store(
        'ClusterSecretStore',
        { serviceAccountRef: { name: 'app', namespace: 'payments' } },
        { conditions: [{ namespaceRegexes: ['^payments$', '(unclosed'] }] },
      ),
    );
    expect(error.message).toMatch(
      /^admission webhook "validate\.clustersecretstore\.external-secrets\.io" denied the request: failed to compile 1th namespace regex in 0th condition: /,
    );
  });
});
