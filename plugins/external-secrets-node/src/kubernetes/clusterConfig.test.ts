import { ConfigReader } from '@backstage/config';
import { readClusterConfigs } from './clusterConfig';

const read = (clusters: any) =>
  readClusterConfigs(new ConfigReader({ externalSecrets: { clusters } }));

describe('readClusterConfigs', () => {
  it('is empty when nothing is configured', () => {
    expect(readClusterConfigs(new ConfigReader({}))).toEqual([]);
  });

  it('reads a service account cluster with defaults', () => {
    expect(
      read([
        {
          name: 'prod',
          url: 'https://k8s.example.test:6443/',
          serviceAccountToken: 't',
          caData: 'Q0E=',
        },
      ]),
    ).toEqual([
      {
        name: 'prod',
        url: 'https://k8s.example.test:6443',
        authProvider: 'serviceAccount',
        serviceAccountToken: 't',
        caData: 'Q0E=',
        caFile: undefined,
        skipTLSVerify: false,
        kubeconfigPath: undefined,
        context: undefined,
        vaultAuthMount: 'kubernetes-prod',
      },
    ]);
  });

  it('gives each cluster its Vault auth mount: explicit, or derived from the pattern', () => {
    const clusters = [
      {
        name: 'sandbox',
        url: 'https://a.test',
        serviceAccountToken: 't',
        vaultAuthMount: 'kubernetes',
      },
      { name: 'edge', url: 'https://b.test', serviceAccountToken: 't' },
    ];
    expect(read(clusters).map(c => c.vaultAuthMount)).toEqual([
      'kubernetes',
      'kubernetes-edge',
    ]);
    expect(
      readClusterConfigs(
        new ConfigReader({
          externalSecrets: {
            clusters,
            vault: { kubernetesAuth: { mountPath: 'k8s/{cluster}' } },
          },
        }),
      ).map(c => c.vaultAuthMount),
    ).toEqual(['kubernetes', 'k8s/edge']);
  });

  it('refuses two clusters on one Vault auth mount, a bad mount, and a pattern without {cluster}', () => {
    expect(() =>
      read([
        { name: 'a', url: 'https://a.test', serviceAccountToken: 't' },
        {
          name: 'b',
          url: 'https://b.test',
          serviceAccountToken: 't',
          vaultAuthMount: 'kubernetes-a',
        },
      ]),
    ).toThrow(/"a" and "b" both use the Vault auth mount kubernetes-a/);
    expect(() =>
      read([
        {
          name: 'a',
          url: 'https://a.test',
          serviceAccountToken: 't',
          vaultAuthMount: 'auth/../x',
        },
      ]),
    ).toThrow(/vaultAuthMount of a/);
    expect(() =>
      readClusterConfigs(
        new ConfigReader({
          externalSecrets: {
            clusters: [],
            vault: { kubernetesAuth: { mountPath: 'kubernetes' } },
          },
        }),
      ),
    ).toThrow(/does not contain \{cluster\}/);
  });

  it('reads a kubeconfig context without url or token', () => {
    expect(
      read([
        { name: 'local', authProvider: 'kubeconfig', context: 'kind-dev' },
      ])[0],
    ).toMatchObject({ authProvider: 'kubeconfig', context: 'kind-dev' });
  });

  it('accepts a plain-HTTP API server only when allowInsecureHttp is set', () => {
    expect(() =>
      read([
        { name: 'dev', url: 'http://127.0.0.1:8001', serviceAccountToken: 't' },
      ]),
    ).toThrow(/plain http:\/\/.*allowInsecureHttp: true/);
    expect(
      read([
        {
          name: 'dev',
          url: 'http://127.0.0.1:8001',
          serviceAccountToken: 't',
          allowInsecureHttp: true,
        },
      ])[0],
    ).toMatchObject({ url: 'http://127.0.0.1:8001', allowInsecureHttp: true });
  });

  it.each([
    [[{ name: 'a', serviceAccountToken: 't' }], /needs a url/],
    [[{ name: 'a', url: 'https://x.test' }], /needs a serviceAccountToken/],
    [
      [{ name: 'a', url: 'ftp://x.test', serviceAccountToken: 't' }],
      /http\(s\) URL/,
    ],
    [
      [{ name: 'a', url: 'not a url', serviceAccountToken: 't' }],
      /is not a URL/,
    ],
    [
      [{ name: 'a', authProvider: 'aws', url: 'https://x.test' }],
      /not supported/,
    ],
    [
      [{ name: 'bad name', url: 'https://x.test', serviceAccountToken: 't' }],
      /name/,
    ],
    [
      [
        {
          name: 'a',
          url: 'https://x.test',
          serviceAccountToken: 't',
          caData: 'x',
          caFile: '/y',
        },
      ],
      /both caData and caFile/,
    ],
    [
      [
        { name: 'a', url: 'https://x.test', serviceAccountToken: 't' },
        { name: 'a', url: 'https://y.test', serviceAccountToken: 't' },
      ],
      /two clusters named "a"/,
    ],
  ])('rejects %j', (clusters, message) => {
    expect(() => read(clusters)).toThrow(message);
  });
});
