import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
// The node package's test helpers are not part of its public API; tests may reach them.
// eslint-disable-next-line @backstage/no-forbidden-package-imports
import { eventually } from '@gitops-secrets/plugin-external-secrets-node/src/kubernetes/__testUtils__/eventually';
import { ClaimingEntityIndex } from './ClaimingEntityIndex';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
  spec: { owner: 'payments-team' },
};

const object = {
  metadata: {
    name: 'example-api-env-file',
    namespace: 'example-api',
    labels: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};

describe('ClaimingEntityIndex', () => {
  it('reads the catalog again soon when it found nothing (a catalog still ingesting at start)', async () => {
    let ingested: Entity[] = [];
    const reads: number[] = [];
    const catalog = {
      async *streamEntities() {
        reads.push(ingested.length);
        yield ingested;
      },
    } as unknown as CatalogService;
    const index = new ClaimingEntityIndex({
      catalog,
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      emptyRetryMs: 50,
    });
    await index.start();
    try {
      expect(index.entityRefOf(object)).toBeUndefined();
      ingested = [entity];
      await eventually(() =>
        expect(index.entityRefOf(object)).toBe('component:default/example-api'),
      );
      expect(index.ownerOf('component:default/example-api')).toBe(
        'group:default/payments-team',
      );
      // once something is found, the normal refresh interval (minutes) applies again
      const count = reads.length;
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(reads).toHaveLength(count);
    } finally {
      index.stop();
    }
  });
});
