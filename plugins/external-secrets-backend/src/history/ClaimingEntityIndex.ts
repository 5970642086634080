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
    this.timer = undefined;
    this.retryTimer = undefined;
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
      for await (const page of this.options.catalog.streamEntities(
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
          fields: [
            'kind',
            'metadata.namespace',
            'metadata.name',
            'metadata.annotations',
            'spec.owner',
            'relations',
          ],
        },
        { credentials },
      )) {
        items.push(...page.slice(0, max - items.length));
        if (items.length >= max) {
          capped = true;
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
      for (const entity of items) {
        let selection: EntitySelection | undefined;
        try {
          selection = entitySelection(entity);
        } catch {
          // an invalid selector claims nothing; the entity's own page reports it
          continue;
        }
        if (!selection) continue;
        const claim = {
          entityRef: stringifyEntityRef(entity),
          ownerRef: ownerOf(entity),
          selection,
        };
        const id = selection.selector.equalityValue(LABEL_KUBERNETES_ID);
        if (id !== undefined) {
          if (!byId.has(id)) byId.set(id, []);
          byId.get(id)!.push(claim);
        } else {
          bySelector.push(claim);
        }
      }
      this.byId = byId;
      this.bySelector = bySelector;
      const claims = [...[...byId.values()].flat(), ...bySelector];
      this.refs = [...new Set(claims.map(c => c.entityRef))].sort();
      this.owners = new Map(claims.map(c => [c.entityRef, c.ownerRef]));
      this.loadedVersion += 1;
      if (claims.length === 0) this.retrySoon();
    } catch (error) {
      this.options.logger.warn(
        `Could not read the catalog to know which entity claims each ExternalSecret; history rows keep the last known owner or none: ${error}`,
      );
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
