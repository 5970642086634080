import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parse } from 'yaml';

const KUBECONFIG = path.resolve(__dirname, '../../.sandbox/kubeconfig');

interface Kubeconfig {
  clusters: Array<{
    name: string;
    cluster: { server: string; 'certificate-authority': string };
  }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
}

/**
 * A request to the sandbox cluster as `kubectl` with the kubeconfig the sandbox writes
 * (`.sandbox/kubeconfig`, context `sandbox-admin`): what a platform engineer at the keyboard
 * does, for objects no Backstage flow creates.
 */
function kube(method: 'POST' | 'DELETE', apiPath: string, body?: unknown) {
  const config = parse(fs.readFileSync(KUBECONFIG, 'utf8')) as Kubeconfig;
  const context = config.contexts.find(
    c => c.name === 'sandbox-admin',
  )!.context;
  const cluster = config.clusters.find(
    c => c.name === context.cluster,
  )!.cluster;
  const token = config.users.find(u => u.name === context.user)!.user.token;
  const url = new URL(apiPath, cluster.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = https.request(
      url,
      {
        method,
        ca: fs.readFileSync(cluster['certificate-authority']),
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
        },
        timeout: 10_000,
      },
      response => {
        let text = '';
        response.on('data', chunk => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: text }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(payload);
  });
}

const ES_API = '/apis/external-secrets.io/v1/namespaces';

/** Creates an object; a 409 (left over from an interrupted run) is what we want anyway. */
async function create(
  apiPath: string,
  body: {
    metadata: { name: string; [field: string]: unknown };
    [field: string]: unknown;
  },
) {
  const response = await kube('POST', apiPath, body);
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(
      `creating ${body.metadata.name}: ${response.status} ${response.body}`,
    );
  }
}

/** Deletes an object; a 404 means it is gone already. */
async function remove(apiPath: string) {
  const response = await kube('DELETE', apiPath);
  if (response.status !== 200 && response.status !== 404) {
    throw new Error(`deleting ${apiPath}: ${response.status} ${response.body}`);
  }
}

/** An ExternalSecret spec reading example-api's seeded env file into Secret `target`. */
function exampleApiEnvFileSpec(target: string) {
  return {
    refreshInterval: '2m',
    secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
    target: { name: target, creationPolicy: 'Owner' },
    data: [
      {
        secretKey: '.env',
        remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
      },
    ],
  };
}

/**
 * An ExternalSecret that no catalog entity claims: applied by hand in the example-api namespace
 * (its store allows that namespace), labelled as an old app's, without
 * `backstage.io/kubernetes-id`.
 */
export const unclaimedExternalSecret = {
  namespace: 'example-api',
  name: 'legacy-billing-env',
  labels: { 'app.kubernetes.io/name': 'legacy-billing' },
  async apply() {
    await create(`${ES_API}/${this.namespace}/externalsecrets`, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: this.labels,
      },
      spec: exampleApiEnvFileSpec(this.name),
    });
  },
  async remove() {
    await remove(`${ES_API}/${this.namespace}/externalsecrets/${this.name}`);
  },
};

/**
 * ESO's other kinds, as a platform engineer applies them by hand for example-api (labelled with
 * its `backstage.io/kubernetes-id`): a ClusterExternalSecret that provisions an ExternalSecret
 * into the example-api namespace, and a PushSecret that pushes example-api's Secret back to
 * Vault through the service's own store — whose Vault role may only read.
 */
export const otherEsoKinds = {
  clusterExternalSecret: 'example-api-shared',
  pushSecret: 'example-api-push-back',
  namespace: 'example-api',
  async apply() {
    const labels = { 'backstage.io/kubernetes-id': 'example-api' };
    await create('/apis/external-secrets.io/v1/clusterexternalsecrets', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: this.clusterExternalSecret, labels },
      spec: {
        externalSecretName: this.clusterExternalSecret,
        externalSecretMetadata: { labels },
        namespaceSelectors: [
          { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } },
        ],
        refreshTime: '1m',
        externalSecretSpec: exampleApiEnvFileSpec(this.clusterExternalSecret),
      },
    });
    await create(
      `/apis/external-secrets.io/v1alpha1/namespaces/${this.namespace}/pushsecrets`,
      {
        apiVersion: 'external-secrets.io/v1alpha1',
        kind: 'PushSecret',
        metadata: {
          name: this.pushSecret,
          namespace: this.namespace,
          labels,
        },
        spec: {
          refreshInterval: '1m',
          secretStoreRefs: [
            { kind: 'ClusterSecretStore', name: 'vault-example-api' },
          ],
          selector: { secret: { name: 'example-api-env-file' } },
          data: [
            {
              match: {
                secretKey: '.env',
                remoteRef: {
                  remoteKey: 'example-api/pushed',
                  property: 'dotenv',
                },
              },
            },
          ],
        },
      },
    );
  },
  async remove() {
    await remove(
      `/apis/external-secrets.io/v1alpha1/namespaces/${this.namespace}/pushsecrets/${this.pushSecret}`,
    );
    await remove(
      `/apis/external-secrets.io/v1/clusterexternalsecrets/${this.clusterExternalSecret}`,
    );
    // what the garbage collector does for the ExternalSecret the CES owned
    await remove(
      `${ES_API}/${this.namespace}/externalsecrets/${this.clusterExternalSecret}`,
    );
  },
};
