import { mockServices } from '@backstage/backend-test-utils';
import type {
  ExternalSecretStatus,
  Finding,
} from '@gitops-secrets/plugin-external-secrets-common';
import { externalSecret } from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import { FakeClusterCache } from './__testUtils__/FakeClusterCache';
import { FleetIndex } from './FleetIndex';

function finding(code: string, severity: Finding['severity']): Finding {
  return {
    code,
    severity,
    summary: `${code} summary`,
    fix: `${code} fix`,
  } as unknown as Finding;
}

describe('FleetIndex', () => {
  it('leads each row with its most severe finding, as the card and tab do', async () => {
    const prod = new FakeClusterCache('prod');
    prod.putExternalSecret(
      externalSecret({ name: 'app-env', namespace: 'app' }) as any,
    );
    const index = new FleetIndex({
      clusters: [prod.asCache()],
      statusOf: async (_cluster, object) =>
        ({
          cluster: 'prod',
          namespace: object.metadata?.namespace,
          name: object.metadata?.name,
          state: 'Error',
          store: { kind: 'ClusterSecretStore', name: 'vault-store' },
          findings: [
            finding('REFRESH_INTERVAL_LONG', 'info'),
            finding('VAULT_PERMISSION_DENIED', 'error'),
            finding('PROPERTY_MISSING', 'error'),
          ],
        } as unknown as ExternalSecretStatus),
      logger: mockServices.logger.mock(),
    });
    index.start();
    await index.settled();
    const rows = [...index.entries()].map(e => e.row);
    await index.stop();
    expect(rows).toHaveLength(1);
    expect(rows[0].finding).toEqual({
      code: 'VAULT_PERMISSION_DENIED',
      severity: 'error',
      summary: 'VAULT_PERMISSION_DENIED summary',
    });
  });
});
