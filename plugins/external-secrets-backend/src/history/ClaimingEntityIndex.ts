import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
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
}

interface Claim {
  entityRef: string;
  selection: EntitySelection;
}

/**
 * Which catalog entity claims an ExternalSecret, answered from memory: the entities that carry
 * `backstage.io/kubernetes-id` or `backstage.io/kubernetes-label-selector` are read from the
 * catalog with the plugin's own credentials at start and every few minutes, indexed by id. The
 * history records the claiming entity with each transition (and a notifier can find the owner).
 */
export class ClaimingEntityIndex {
  private readonly options: ClaimingEntityIndexOptions;
  private byId = new Map<string, Claim[]>();
  private bySelector: Claim[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstLoad: Promise<void> | undefined;

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
    this.timer = undefined;
  }

  /** Settles once the first load finished (or failed); immediately when never started. */
  ready(): Promise<void> {
    return this.firstLoad ?? Promise.resolve();
  }

  /** Reads the catalog again; a failure keeps the previous index and is logged. */
  async refresh(): Promise<void> {
    try {
      const credentials = await this.options.auth.getOwnServiceCredentials();
      const { items } = await this.options.catalog.getEntities(
        {
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
          ],
        },
        { credentials },
      );
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
        const claim = { entityRef: stringifyEntityRef(entity), selection };
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
    } catch (error) {
      this.options.logger.warn(
        `Could not read the catalog to know which entity claims each ExternalSecret; history rows keep the last known owner or none: ${error}`,
      );
    }
  }

  /** The claiming entity (the first by ref when several claim it), or undefined. */
  entityRefOf(object: ExternalSecretObject): string | undefined {
    const labels = object.metadata?.labels;
    const namespace = object.metadata?.namespace;
    const id = labels?.[LABEL_KUBERNETES_ID];
    const candidates = [
      ...(id !== undefined ? this.byId.get(id) ?? [] : []),
      ...this.bySelector,
    ];
    const refs = candidates
      .filter(
        c =>
          (!c.selection.namespace || c.selection.namespace === namespace) &&
          c.selection.selector.matches(labels),
      )
      .map(c => c.entityRef)
      .sort();
    return refs[0];
  }
}
