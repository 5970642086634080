import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// The node package's test helpers are not part of its public API; tests may reach them.
import { eventually } from '@gitops-secrets/plugin-external-secrets-node/testUtils';
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

  it('gives up on a full read whose page never comes, keeps what it had and reads again at the next turn', async () => {
    const logger = mockServices.logger.mock();
    let hang = false;
    const catalog = {
      async *streamEntities() {
        if (hang) await new Promise(() => undefined);
        yield [entity];
      },
    } as unknown as CatalogService;
    const index = new ClaimingEntityIndex({
      catalog,
      auth: mockServices.auth(),
      logger,
      refreshIntervalMs: 3_600_000,
      catalogTimeoutMs: 100,
    });
    await index.start();
    try {
      expect(index.entityRefOf(object)).toBe('component:default/example-api');
      hang = true;
      await index.refresh();
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(
          'a page of the catalog got no answer within 100 ms',
        ),
      );
      expect(index.entityRefOf(object)).toBe('component:default/example-api');
      hang = false;
      await index.refresh();
      expect(index.entityRefOf(object)).toBe('component:default/example-api');
    } finally {
      index.stop();
    }
  });

  describe('an ExternalSecret of a service registered since the last load', () => {
    const story = (id: string): Entity => ({
      ...entity,
      metadata: {
        name: id,
        namespace: 'default',
        annotations: { 'backstage.io/kubernetes-id': id },
      },
      spec: { owner: 'story-team' },
    });
    const objectOf = (id: string) => ({
      metadata: {
        name: `${id}-env-file`,
        namespace: id,
        labels: { 'backstage.io/kubernetes-id': id },
      },
    });

    /** The catalog as it is now (`entities`), counting the lookups of single ids. */
    function liveCatalog(entities: Entity[], failLookups = false) {
      const lookups: unknown[] = [];
      const catalog = {
        streamEntities: (
          ...args: Parameters<CatalogService['streamEntities']>
        ) => catalogServiceMock({ entities }).streamEntities(...args),
        getEntities: async (
          ...args: Parameters<CatalogService['getEntities']>
        ) => {
          lookups.push(args[0]?.filter);
          if (failLookups) throw new Error('catalog unavailable');
          return catalogServiceMock({ entities }).getEntities(...args);
        },
      } as unknown as CatalogService;
      return { catalog, lookups };
    }

    it('is claimed as soon as the catalog has the entity, without waiting for the next full read', async () => {
      const entities = [entity];
      const { catalog, lookups } = liveCatalog(entities);
      const index = new ClaimingEntityIndex({
        catalog,
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        refreshIntervalMs: 3_600_000,
        unclaimedRecheckMs: 100,
      });
      await index.start();
      try {
        const version = index.version;
        // the template has just registered it: the full read (an hour away) does not know it
        entities.push(story('story-1a2b'));
        expect(index.claimsOf(objectOf('story-1a2b'))).toEqual([]);
        await eventually(() =>
          expect(index.entityRefOf(objectOf('story-1a2b'))).toBe(
            'component:default/story-1a2b',
          ),
        );
        expect(index.ownerOf('component:default/story-1a2b')).toBe(
          'group:default/story-team',
        );
        expect(index.entityRefs()).toEqual([
          'component:default/example-api',
          'component:default/story-1a2b',
        ]);
        // derived data (the fleet's visibility answers) sees a new version
        expect(index.version).toBeGreaterThan(version);
        // the one lookup asked for that id only
        expect(lookups).toEqual([
          [{ 'metadata.annotations.backstage.io/kubernetes-id': 'story-1a2b' }],
        ]);
        expect(index.entityRefOf(object)).toBe('component:default/example-api');
      } finally {
        index.stop();
      }
    });

    it('asks again for a truly unclaimed id at most once per recheck interval, and survives a failing catalog', async () => {
      const logger = mockServices.logger.mock();
      const { catalog, lookups } = liveCatalog([entity], true);
      const index = new ClaimingEntityIndex({
        catalog,
        auth: mockServices.auth(),
        logger,
        refreshIntervalMs: 3_600_000,
        unclaimedRecheckMs: 400,
      });
      await index.start();
      try {
        const orphan = objectOf('legacy-billing');
        // every fleet page asks; one lookup answers all of them
        for (let i = 0; i < 20; i += 1) index.claimsOf(orphan);
        await eventually(() => expect(lookups).toHaveLength(1));
        for (let i = 0; i < 20; i += 1) index.claimsOf(orphan);
        await new Promise(resolve => setTimeout(resolve, 250));
        expect(lookups).toHaveLength(1);
        expect(index.claimsOf(orphan)).toEqual([]);
        expect(logger.warn).toHaveBeenCalledWith(
          expect.stringContaining('catalog unavailable'),
        );
        // past the interval, the next page that shows it asks once more
        await new Promise(resolve => setTimeout(resolve, 300));
        index.claimsOf(orphan);
        await eventually(() => expect(lookups).toHaveLength(2));
        // the ones already claimed are never looked up
        index.claimsOf(object);
        await new Promise(resolve => setTimeout(resolve, 250));
        expect(lookups).toHaveLength(2);
      } finally {
        index.stop();
      }
    });

    it('gives up on a lookup the catalog never answers and asks again later, so one hung request does not stop every later lookup', async () => {
      const logger = mockServices.logger.mock();
      let hang = true;
      const asked: unknown[] = [];
      const entities: Entity[] = [entity];
      const catalog = {
        streamEntities: (
          ...args: Parameters<CatalogService['streamEntities']>
        ) => catalogServiceMock({ entities }).streamEntities(...args),
        getEntities: (...args: Parameters<CatalogService['getEntities']>) => {
          asked.push(args[0]?.filter);
          if (hang) return new Promise(() => undefined);
          return catalogServiceMock({ entities }).getEntities(...args);
        },
      } as unknown as CatalogService;
      const index = new ClaimingEntityIndex({
        catalog,
        auth: mockServices.auth(),
        logger,
        refreshIntervalMs: 3_600_000,
        unclaimedRecheckMs: 200,
        catalogTimeoutMs: 100,
      });
      await index.start();
      try {
        entities.push(story('story-hung'));
        index.claimsOf(objectOf('story-hung'));
        await eventually(() =>
          expect(logger.warn).toHaveBeenCalledWith(
            expect.stringContaining('the catalog got no answer within 100 ms'),
          ),
        );
        expect(index.claimsOf(objectOf('story-hung'))).toEqual([]);
        // the catalog answers again: the next row that shows the id is claimed
        hang = false;
        await eventually(() =>
          expect(
            index.claimsOf(objectOf('story-hung')).map(c => c.entityRef),
          ).toEqual(['component:default/story-hung']),
        );
        expect(asked.length).toBeGreaterThanOrEqual(2);
      } finally {
        index.stop();
      }
    });

    it('asks nothing when the index is not running (a test or a stopped backend)', async () => {
      const { catalog, lookups } = liveCatalog([entity]);
      const index = new ClaimingEntityIndex({
        catalog,
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
      });
      expect(index.claimsOf(objectOf('story-1a2b'))).toEqual([]);
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(lookups).toEqual([]);
    });
  });
});
