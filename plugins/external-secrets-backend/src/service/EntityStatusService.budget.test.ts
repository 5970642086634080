import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  ClusterCache,
  ExternalSecretObject,
  parseLabelSelector,
} from '@gitops-secrets/plugin-external-secrets-node';
import { diagnose } from './diagnosis/diagnose';
import { EntityStatusService } from './EntityStatusService';
import {
  VaultConfigurationReader,
  VaultFactsProvider,
} from './VaultFactsProvider';

jest.mock('./diagnosis/diagnose', () => {
  const actual = jest.requireActual('./diagnosis/diagnose');
  return { ...actual, diagnose: jest.fn(actual.diagnose) };
});

const VAULT = 'https://vault.example.test:8200';
const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};

function failing(name: string): ExternalSecretObject {
  return {
    metadata: {
      name,
      namespace: 'example-api',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      data: [
        {
          secretKey: '.env',
          remoteRef: { key: `example-api/${name}`, property: 'dotenv' },
        },
      ],
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'SecretSyncedError',
          message: 'could not get secret data from provider',
        },
      ],
    },
  };
}

const store = {
  metadata: { name: 'vault-example-api' },
  spec: {
    provider: {
      vault: {
        server: VAULT,
        path: 'secret',
        version: 'v2',
        auth: {
          kubernetes: {
            mountPath: 'kubernetes',
            role: 'external-secrets-example-api',
          },
        },
      },
    },
  },
  status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid' }] },
};

/** A cluster cache in memory: the rows given, one store, no events. */
function cluster(objects: ExternalSecretObject[]): ClusterCache {
  return {
    name: 'sandbox',
    config: { name: 'sandbox', url: 'https://k8s.test:6443' },
    health: () => ({ name: 'sandbox', reachable: true, synced: true }),
    findExternalSecrets: (selector: ReturnType<typeof parseLabelSelector>) =>
      objects.filter(o => selector.matches(o.metadata?.labels)),
    getStore: () => store,
    eventsFor: () => [],
    podsHealth: () => ({ watched: false, listed: false }),
    podsUsing: () => [],
    findPushSecrets: () => [],
    listClusterExternalSecrets: () => [],
    getClusterExternalSecret: () => undefined,
  } as unknown as ClusterCache;
}

/** Vault that answers after `ms` of (fake) time, or never. */
function slowVault(ms: number | 'never'): VaultConfigurationReader {
  const answer = <T>(value: T) =>
    new Promise<T>(resolve => {
      if (ms !== 'never') setTimeout(() => resolve(value), ms);
    });
  return {
    kvVersion: () => answer(2 as const),
    readKubernetesAuthConfig: () => answer(undefined),
    readKubernetesRole: () =>
      answer({
        boundServiceAccountNames: ['external-secrets'],
        boundServiceAccountNamespaces: ['external-secrets'],
        audience: '',
        tokenPolicies: ['example-api'],
        tokenTtlSeconds: 3600,
        tokenMaxTtlSeconds: 0,
      }),
    readPolicy: () =>
      answer('path "secret/data/example-api/*" { capabilities = ["read"] }'),
    readKvMetadata: () => answer(undefined),
  };
}

/** Settles `promise` while moving fake time forward; returns the fake time it took. */
async function timed<T>(
  promise: Promise<T>,
): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  let done = false;
  let value!: T;
  promise.then(v => {
    done = true;
    value = v;
  });
  for (let i = 0; i < 1000 && !done; i++) {
    await jest.advanceTimersByTimeAsync(10);
  }
  if (!done) throw new Error('did not settle within 10 s of fake time');
  return { value, ms: Date.now() - start };
}

const codes = (row: { findings: Array<{ code: string }> }) =>
  row.findings.map(f => f.code);

describe('EntityStatusService time budget', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    jest
      .mocked(diagnose)
      .mockImplementation(jest.requireActual('./diagnosis/diagnose').diagnose);
  });

  it('answers within the budget with Vault black-holed, all rows at once, and says what is missing', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => failing(`es-${i}`));
    const service = new EntityStatusService({
      clusters: [cluster(rows)],
      vault: new VaultFactsProvider({
        reader: slowVault('never'),
        baseUrl: VAULT,
      }),
      budgetMs: 1000,
    });
    const { value, ms } = await timed(service.getStatus(entity));
    // twenty failing rows, one budget: the reads run in parallel
    expect(ms).toBeLessThanOrEqual(1010);
    expect(value.externalSecrets).toHaveLength(20);
    for (const row of value.externalSecrets) {
      expect(row.state).toBe('Error');
      expect(codes(row)).toContain('VAULT_FACTS_PENDING');
    }
  });

  it('fills the facts in the background, signals the entity, then answers from the cache at once', async () => {
    const onLateFacts = jest.fn();
    const service = new EntityStatusService({
      clusters: [cluster([failing('a'), failing('b')])],
      vault: new VaultFactsProvider({
        reader: slowVault(2000),
        baseUrl: VAULT,
      }),
      budgetMs: 1000,
      onLateFacts,
    });
    const first = await timed(service.getStatus(entity));
    expect(first.ms).toBeLessThanOrEqual(1010);
    expect(codes(first.value.externalSecrets[0])).toContain(
      'VAULT_FACTS_PENDING',
    );
    expect(onLateFacts).not.toHaveBeenCalled();

    // the role answers at 2 s, its policy (read once the role names it) at 4 s
    await jest.advanceTimersByTimeAsync(3500);
    expect(onLateFacts).toHaveBeenCalledTimes(1);
    expect(onLateFacts).toHaveBeenCalledWith('component:default/example-api');

    const second = await timed(service.getStatus(entity));
    expect(second.ms).toBeLessThanOrEqual(10);
    for (const row of second.value.externalSecrets) {
      expect(codes(row)).not.toContain('VAULT_FACTS_PENDING');
      expect(codes(row)).not.toContain('VAULT_UNREACHABLE');
    }
  });

  it('stops waiting for a Vault known to be slow: later answers come at once from what is cached, and it waits again once Vault is fast', async () => {
    let delay = 2000;
    const base = slowVault(0);
    const vault = Object.fromEntries(
      Object.entries(base).map(([name, read]) => [
        name,
        (...args: unknown[]) =>
          new Promise(resolve => {
            setTimeout(
              () => resolve((read as (...a: unknown[]) => unknown)(...args)),
              delay,
            );
          }),
      ]),
    ) as unknown as VaultConfigurationReader;
    let rows = [failing('a')];
    const service = new EntityStatusService({
      clusters: [
        {
          ...cluster([]),
          findExternalSecrets: () => rows,
        } as unknown as ClusterCache,
      ],
      vault: new VaultFactsProvider({
        reader: vault,
        baseUrl: VAULT,
        slowMs: 1000,
      }),
      budgetMs: 1000,
    });
    // nothing known about Vault yet: the first answer waits the budget
    const first = await timed(service.getStatus(entity));
    expect(first.ms).toBe(1000);
    const pending = (row: {
      findings: Array<{ code: string; summary: string }>;
    }) => row.findings.find(f => f.code === 'VAULT_FACTS_PENDING')?.summary;
    expect(pending(first.value.externalSecrets[0])).toContain(
      'has not answered the diagnosis reads',
    );

    // a read has run past the budget: a new row's answer does not wait for Vault
    rows = [failing('a'), failing('b')];
    const second = await timed(service.getStatus(entity));
    expect(second.ms).toBeLessThanOrEqual(10);
    expect(pending(second.value.externalSecrets[1])).toContain(
      'Vault is answering slowly',
    );

    // the reads go on in the background and fill the cache; the answers say so at once
    await jest.advanceTimersByTimeAsync(5000);
    const filled = await timed(service.getStatus(entity));
    expect(filled.ms).toBeLessThanOrEqual(10);
    for (const row of filled.value.externalSecrets) {
      expect(codes(row)).not.toContain('VAULT_FACTS_PENDING');
    }

    // Vault is fast again: once a read answers in time, uncached reads are waited for again
    delay = 10;
    rows = [failing('a'), failing('b'), failing('c')];
    await timed(service.getStatus(entity));
    await jest.advanceTimersByTimeAsync(100);
    rows = [failing('a'), failing('b'), failing('c'), failing('d')];
    const fast = await timed(service.getStatus(entity));
    expect(fast.ms).toBeGreaterThanOrEqual(10);
    expect(fast.ms).toBeLessThan(1000);
    for (const row of fast.value.externalSecrets) {
      expect(codes(row)).not.toContain('VAULT_FACTS_PENDING');
    }
  });

  it('keeps one row’s failure on that row, logged once', async () => {
    const logger = mockServices.logger.mock();
    const malformed = {
      ...failing('malformed'),
      spec: { ...failing('malformed').spec, data: 'not a list' },
    } as unknown as ExternalSecretObject;
    const service = new EntityStatusService({
      clusters: [cluster([failing('good'), malformed, failing('odd-policy')])],
      budgetMs: 1000,
      logger,
    });
    const real = jest.requireActual('./diagnosis/diagnose').diagnose;
    jest.mocked(diagnose).mockImplementation(input => {
      if (input.externalSecret.metadata?.name === 'odd-policy') {
        throw new Error('cannot parse policy text');
      }
      return real(input);
    });
    for (let i = 0; i < 2; i++) {
      const { value } = await timed(service.getStatus(entity));
      const byName = Object.fromEntries(
        value.externalSecrets.map(r => [r.name, r]),
      );
      expect(byName.good.state).toBe('Error');
      expect(codes(byName.good)).not.toContain('DIAGNOSIS_FAILED');
      expect(byName.malformed).toMatchObject({
        state: 'Unknown',
        reason: 'StatusUnavailable',
      });
      expect(codes(byName.malformed)).toEqual(['STATUS_UNAVAILABLE']);
      expect(byName['odd-policy'].state).toBe('Error');
      expect(codes(byName['odd-policy'])).toEqual(['DIAGNOSIS_FAILED']);
    }
    // two rows failing on two requests: two log lines, not four
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });
});
