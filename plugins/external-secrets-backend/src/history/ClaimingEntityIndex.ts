import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  type Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_LABEL_SELECTOR,
  LABEL_KUBERNETES_ID,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import {
  entitySelection,
  type EntitySelection,
} from '../service/EntityStatusService';
import { withDeadline } from '../lib/withDeadline';

export interface ClaimingEntityIndexOptions {
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  /** how often the catalog is read again; default 5 minutes */
  refreshIntervalMs?: number;
  /** how soon a load that found no entity is repeated; default 15 s */
  emptyRetryMs?: number;
  /** most entities indexed; beyond it the rest is left out and a warning logged; default 50,000 */
  maxEntities?: number;
  /**
   * How soon the catalog is asked again for the entity of one unclaimed `backstage.io/kubernetes-id`
   * (a service registered since the last load); default 30 s
   */
  unclaimedRecheckMs?: number;
  /**
   * The most one catalog request (a page of the full read, or one lookup) may take; past it the
   * read or lookup is given up, logged, and tried again at its next turn. Default 10 s
   */
  catalogTimeoutMs?: number;
}

/** An entity that selects ExternalSecrets, with its owner. */
export interface EntityClaim {
  entityRef: string;
  /** the `ownedBy` relation's target (or `spec.owner` as a group ref when not processed yet) */
  ownerRef?: string;
  selection: EntitySelection;
}
type Claim = EntityClaim;

const PAGE_SIZE = 500;
const DEFAULT_MAX_ENTITIES = 50_000;
/** ids asked of the catalog in one request */
const LOOKUP_BATCH = 100;
/** unclaimed ids remembered (asked or waiting); beyond it the oldest are forgotten */
const MAX_LOOKUP_IDS = 10_000;
const DEFAULT_CATALOG_TIMEOUT_MS = 10_000;
const ENTITY_FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.annotations',
  'spec.owner',
  'relations',
];

function ownerOf(entity: Entity): string | undefined {
  const related = entity.relations?.find(r => r.type === RELATION_OWNED_BY);
  if (related) return related.targetRef;
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || !owner) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    );
  } catch {
    return undefined;
  }
}

/** The claims of catalog entities; one whose selector is invalid claims nothing. */
function claimsOfEntities(entities: Entity[]): Claim[] {
  const claims: Claim[] = [];
  for (const entity of entities) {
    let selection: EntitySelection | undefined;
    try {
      selection = entitySelection(entity);
    } catch {
      // an invalid selector claims nothing; the entity's own page reports it
      continue;
    }
    if (!selection) continue;
    claims.push({
      entityRef: stringifyEntityRef(entity),
      ownerRef: ownerOf(entity),
      selection,
    });
  }
  return claims;
}

/**
 * Which catalog entity claims an ExternalSecret, answered from memory: the entities that carry
 * `backstage.io/kubernetes-id` or `backstage.io/kubernetes-label-selector` are read from the
 * catalog with the plugin's own credentials at start and every few minutes (in pages, at most
 * `maxEntities`), indexed by id. The history records the claiming entity with each transition,
 * the notifier finds the owner here, and the fleet view matches every ExternalSecret without a
 * catalog query per row.
 */
export class ClaimingEntityIndex {
  private readonly options: ClaimingEntityIndexOptions;
  private byId = new Map<string, Claim[]>();
  private bySelector: Claim[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstLoad: Promise<void> | undefined;
  private refs: string[] = [];
  private owners = new Map<string, string | undefined>();
  private loadedVersion = 0;
  /** unclaimed ids: when the catalog was last asked for them (0: waiting to be asked) */
  private readonly checkedAt = new Map<string, number>();
  private lookupTimer: NodeJS.Timeout | undefined;
  private lookingUp = false;

  constructor(options: ClaimingEntityIndexOptions) {
    this.options = options;
  }

  /** Loads now and then periodically; the returned promise settles after the first load. */
  start(): Promise<void> {
    if (!this.firstLoad) {
      this.firstLoad = this.refresh();
      this.timer = setInterval(
        () => void this.refresh(),
        this.options.refreshIntervalMs ?? 5 * 60_000,
      );
      this.timer.unref?.();
    }
    return this.firstLoad;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.lookupTimer) clearTimeout(this.lookupTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
    this.lookupTimer = undefined;
  }

  /** Settles once the first load finished (or failed); immediately when never started. */
  ready(): Promise<void> {
    return this.firstLoad ?? Promise.resolve();
  }

  /** Reads the catalog again; a failure keeps the previous index and is logged. */
  async refresh(): Promise<void> {
    try {
      const credentials = await this.options.auth.getOwnServiceCredentials();
      const max = this.options.maxEntities ?? DEFAULT_MAX_ENTITIES;
      const items: Entity[] = [];
      let capped = false;
      const stream = this.options.catalog
        .streamEntities(
          {
            pageSize: PAGE_SIZE,
            filter: [
              {
                [`metadata.annotations.${ANNOTATION_KUBERNETES_ID}`]:
                  CATALOG_FILTER_EXISTS,
              },
              {
                [`metadata.annotations.${ANNOTATION_KUBERNETES_LABEL_SELECTOR}`]:
                  CATALOG_FILTER_EXISTS,
              },
            ],
            fields: ENTITY_FIELDS,
          },
          { credentials },
        )
        [Symbol.asyncIterator]();
      for (;;) {
        const next = await withDeadline(
          stream.next(),
          this.catalogTimeoutMs(),
          'a page of the catalog',
        ).catch(error => {
          // stop the stream without waiting for it: it may be the part that hangs
          void stream.return?.(undefined).catch(() => undefined);
          throw error;
        });
        if (next.done) break;
        const page = next.value;
        items.push(...page.slice(0, max - items.length));
        if (items.length >= max) {
          capped = true;
          void stream.return?.(undefined).catch(() => undefined);
          break;
        }
      }
      if (capped) {
        this.options.logger.warn(
          `The catalog holds more than ${max} entities with Kubernetes annotations; only the first ${max} are matched to ExternalSecrets (the others' rows show no owner)`,
        );
      }
      const byId = new Map<string, Claim[]>();
      const bySelector: Claim[] = [];
      for (const claim of claimsOfEntities(items)) {
        const id = claim.selection.selector.equalityValue(LABEL_KUBERNETES_ID);
        if (id !== undefined) {
          if (!byId.has(id)) byId.set(id, []);
          byId.get(id)!.push(claim);
        } else {
          bySelector.push(claim);
        }
      }
      this.byId = byId;
      this.bySelector = bySelector;
      this.checkedAt.clear();
      const claims = this.reindex();
      if (claims.length === 0) this.retrySoon();
    } catch (error) {
      this.options.logger.warn(
        `Could not read the catalog to know which entity claims each ExternalSecret; history rows keep the last known owner or none: ${error}`,
      );
    }
  }

  private catalogTimeoutMs(): number {
    return this.options.catalogTimeoutMs ?? DEFAULT_CATALOG_TIMEOUT_MS;
  }

  /** Recomputes the refs and owners from the index and counts a new version. */
  private reindex(): Claim[] {
    const claims = [...[...this.byId.values()].flat(), ...this.bySelector];
    this.refs = [...new Set(claims.map(c => c.entityRef))].sort();
    this.owners = new Map(claims.map(c => [c.entityRef, c.ownerRef]));
    this.loadedVersion += 1;
    return claims;
  }

  /**
   * An ExternalSecret whose `backstage.io/kubernetes-id` no indexed entity has: most often a
   * service registered since the last load (a template just ran). Ask the catalog for that id
   * alone, soon, instead of calling the service unclaimed until the next full load; the same id
   * at most once per `unclaimedRecheckMs`.
   */
  private wantUnclaimed(id: string) {
    if (!this.timer) return;
    const last = this.checkedAt.get(id);
    const recheck = this.options.unclaimedRecheckMs ?? 30_000;
    if (last !== undefined && (last === 0 || Date.now() - last < recheck)) {
      return;
    }
    this.checkedAt.delete(id);
    this.checkedAt.set(id, 0);
    while (this.checkedAt.size > MAX_LOOKUP_IDS) {
      this.checkedAt.delete(this.checkedAt.keys().next().value as string);
    }
    if (this.lookupTimer || this.lookingUp) return;
    this.lookupTimer = setTimeout(() => {
      this.lookupTimer = undefined;
      void this.lookUpUnclaimed();
    }, 200);
    this.lookupTimer.unref?.();
  }

  /** Asks the catalog for the entities of the waiting unclaimed ids, in batches. */
  private async lookUpUnclaimed(): Promise<void> {
    if (this.lookingUp) return;
    this.lookingUp = true;
    try {
      for (;;) {
        const ids = [...this.checkedAt]
          .filter(([, at]) => at === 0)
          .slice(0, LOOKUP_BATCH)
          .map(([id]) => id);
        if (ids.length === 0 || !this.timer) return;
        const now = Date.now();
        for (const id of ids) this.checkedAt.set(id, now);
        const credentials = await this.options.auth.getOwnServiceCredentials();
        const { items } = await withDeadline(
          this.options.catalog.getEntities(
            {
              filter: ids.map(id => ({
                [`metadata.annotations.${ANNOTATION_KUBERNETES_ID}`]: id,
              })),
              fields: ENTITY_FIELDS,
            },
            { credentials },
          ),
          this.catalogTimeoutMs(),
          'the catalog',
        );
        let found = false;
        for (const claim of claimsOfEntities(items)) {
          const id =
            claim.selection.selector.equalityValue(LABEL_KUBERNETES_ID);
          if (id === undefined || !ids.includes(id)) continue;
          const known = this.byId.get(id) ?? [];
          if (known.some(c => c.entityRef === claim.entityRef)) continue;
          this.byId.set(id, [...known, claim]);
          found = true;
        }
        if (found) this.reindex();
      }
    } catch (error) {
      this.options.logger.warn(
        `Could not ask the catalog which entity claims a newly seen ExternalSecret; it shows unclaimed until the next full read: ${error}`,
      );
    } finally {
      this.lookingUp = false;
    }
  }

  /**
   * A backend that starts with its catalog often reads it before the catalog has ingested
   * anything: read again soon rather than at the next refresh, or every ExternalSecret stays
   * unclaimed (no owner, no notification) for minutes.
   */
  private retrySoon() {
    if (!this.timer || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.timer) void this.refresh();
    }, this.options.emptyRetryMs ?? 15_000);
    this.retryTimer.unref?.();
  }

  /** The claiming entity (the first by ref when several claim it), or undefined. */
  entityRefOf(object: ExternalSecretObject): string | undefined {
    return this.claimsOf(object)[0]?.entityRef;
  }

  /** Every entity that claims the object, sorted by ref. */
  claimsOf(object: ExternalSecretObject): EntityClaim[] {
    const labels = object.metadata?.labels;
    const namespace = object.metadata?.namespace;
    const id = labels?.[LABEL_KUBERNETES_ID];
    const byId = id !== undefined ? this.byId.get(id) ?? [] : [];
    const candidates =
      this.bySelector.length === 0 ? byId : [...byId, ...this.bySelector];
    const claims = candidates.filter(
      c =>
        (!c.selection.namespace || c.selection.namespace === namespace) &&
        c.selection.selector.matches(labels),
    );
    if (claims.length === 0 && id) this.wantUnclaimed(id);
    return claims.length > 1
      ? claims.sort((a, b) => a.entityRef.localeCompare(b.entityRef))
      : claims;
  }

  /** The owner of an indexed entity. */
  ownerOf(entityRef: string): string | undefined {
    return this.owners.get(entityRef);
  }

  /** Every indexed entity ref, sorted. */
  entityRefs(): readonly string[] {
    return this.refs;
  }

  /** Grows with every successful load, so derived data knows when to be recomputed. */
  get version(): number {
    return this.loadedVersion;
  }
}
