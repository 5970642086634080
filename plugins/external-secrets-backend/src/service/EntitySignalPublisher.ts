import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  externalSecretsSignalChannel,
  LABEL_KUBERNETES_ID,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ClusterCacheChange,
  EventObject,
  ExternalSecretObject,
  PodObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { EntitySelection } from './EntityStatusService';
import { targetSecretOf } from './EntityStatusService';

/** An object entities select by its labels (and namespace): ExternalSecret, PushSecret, CES. */
type AnchoredObject = Pick<ExternalSecretObject, 'metadata'>;

export interface EntitySignalPublisherOptions {
  signals: SignalsService;
  clusters: ClusterCache[];
  logger: LoggerService;
  /**
   * at most one signal per entity per this many milliseconds: the first change is signalled at
   * once, later ones in the window are folded into one signal at its end
   */
  debounceMs?: number;
  /** how many recently viewed entities are followed */
  maxEntities?: number;
}

/**
 * Publishes `external-secrets:<entityRef>` when a cached object that belongs to an entity
 * changes: its ExternalSecrets, their stores and the Events about them. Only entities whose
 * status was asked for recently are followed (nobody listens for the others), so a change costs
 * an index lookup, not a catalog query. Signals carry the entity ref only; clients refetch.
 */
export class EntitySignalPublisher {
  private readonly options: EntitySignalPublisherOptions;
  private readonly debounceMs: number;
  private readonly maxEntities: number;
  /** entityRef → selection, in least-recently-viewed order */
  private readonly followed = new Map<string, EntitySelection>();
  private readonly byKubernetesId = new Map<string, Set<string>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastPublished = new Map<string, number>();
  private readonly unsubscribe: Array<() => void>;

  constructor(options: EntitySignalPublisherOptions) {
    this.options = options;
    this.debounceMs = options.debounceMs ?? 500;
    this.maxEntities = options.maxEntities ?? 5000;
    this.unsubscribe = options.clusters.map(cluster =>
      cluster.onChange(change => this.handle(cluster, change)),
    );
  }

  /** Follows an entity from now on (called whenever its status is served). */
  follow(entityRef: string, selection: EntitySelection): void {
    this.unfollow(entityRef);
    this.followed.set(entityRef, selection);
    const id = selection.selector.equalityValue(LABEL_KUBERNETES_ID);
    if (id !== undefined) {
      if (!this.byKubernetesId.has(id)) this.byKubernetesId.set(id, new Set());
      this.byKubernetesId.get(id)!.add(entityRef);
    }
    if (this.followed.size > this.maxEntities) {
      this.unfollow(this.followed.keys().next().value!);
    }
  }

  /**
   * Signals a followed entity whose status changed without a cache change, e.g. when Vault
   * facts that missed a status answer's budget have arrived.
   */
  notify(entityRef: string): void {
    if (this.followed.has(entityRef)) {
      this.schedule(entityRef);
    }
  }

  stop(): void {
    this.unsubscribe.forEach(u => u());
    this.pending.forEach(timer => clearTimeout(timer));
    this.pending.clear();
  }

  private unfollow(entityRef: string) {
    const selection = this.followed.get(entityRef);
    if (!selection) return;
    this.followed.delete(entityRef);
    this.lastPublished.delete(entityRef);
    const id = selection.selector.equalityValue(LABEL_KUBERNETES_ID);
    if (id !== undefined) {
      this.byKubernetesId.get(id)?.delete(entityRef);
      if (this.byKubernetesId.get(id)?.size === 0)
        this.byKubernetesId.delete(id);
    }
  }

  private handle(cluster: ClusterCache, change: ClusterCacheChange) {
    if (this.followed.size === 0) return;
    for (const object of this.affectedExternalSecrets(cluster, change)) {
      for (const entityRef of this.entitiesOf(object)) {
        this.schedule(entityRef);
      }
    }
  }

  /** The objects an entity is anchored to that the change touches (by their labels). */
  private affectedExternalSecrets(
    cluster: ClusterCache,
    change: ClusterCacheChange,
  ): AnchoredObject[] {
    const { object } = change;
    const usingStore = (kind: string, name?: string, namespace?: string) =>
      cluster
        .listExternalSecrets(kind === 'SecretStore' ? namespace : undefined)
        .filter(
          es =>
            (es.spec?.secretStoreRef?.kind ?? 'SecretStore') === kind &&
            es.spec?.secretStoreRef?.name === name,
        );
    switch (change.resource) {
      case 'ExternalSecret':
      case 'PushSecret':
        return [object];
      case 'ClusterExternalSecret': {
        // the CES when labelled for an entity, and the ExternalSecrets it provisioned
        const name = object.metadata?.name;
        return [
          object,
          ...cluster
            .listExternalSecrets()
            .filter(es =>
              (es.metadata?.ownerReferences ?? []).some(
                o =>
                  o?.controller &&
                  o.kind === 'ClusterExternalSecret' &&
                  o.name === name,
              ),
            ),
        ];
      }
      case 'ClusterSecretStore':
      case 'SecretStore':
        return usingStore(
          change.resource,
          object.metadata?.name,
          object.metadata?.namespace,
        );
      case 'Event': {
        const involved = (object as EventObject).involvedObject ?? {};
        if (involved.kind === 'ExternalSecret') {
          const found = cluster.getExternalSecret(
            involved.namespace ?? '',
            involved.name ?? '',
          );
          return found ? [found] : [];
        }
        return usingStore(
          involved.kind ?? '',
          involved.name,
          involved.namespace,
        );
      }
      case 'Pod': {
        // A Pod that starts, ends or rolls changes the consumers of the Secrets it references.
        const secrets = new Set(
          (object as PodObject).usage?.references.map(r => r.secret) ?? [],
        );
        if (secrets.size === 0) return [];
        return cluster
          .listExternalSecrets(object.metadata?.namespace)
          .filter(es => secrets.has(targetSecretOf(es).name));
      }
      default:
        return [];
    }
  }

  private entitiesOf(object: AnchoredObject): string[] {
    const labels = object.metadata?.labels;
    const id = labels?.[LABEL_KUBERNETES_ID];
    const candidates =
      id !== undefined && this.byKubernetesId.has(id)
        ? [...this.byKubernetesId.get(id)!]
        : [];
    // Entities selecting by other labels cannot use the index.
    for (const [ref, selection] of this.followed) {
      if (selection.selector.equalityValue(LABEL_KUBERNETES_ID) === undefined) {
        candidates.push(ref);
      }
    }
    return candidates.filter(ref => {
      const selection = this.followed.get(ref)!;
      return (
        (!selection.namespace ||
          selection.namespace === object.metadata?.namespace) &&
        selection.selector.matches(labels)
      );
    });
  }

  private schedule(entityRef: string) {
    if (this.pending.has(entityRef)) return;
    const sinceLast =
      Date.now() - (this.lastPublished.get(entityRef) ?? -Infinity);
    if (sinceLast >= this.debounceMs) {
      this.publish(entityRef);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(entityRef);
      this.publish(entityRef);
    }, this.debounceMs - sinceLast);
    timer.unref?.();
    this.pending.set(entityRef, timer);
  }

  private publish(entityRef: string) {
    this.lastPublished.set(entityRef, Date.now());
    this.options.signals
      .publish({
        recipients: { type: 'broadcast' },
        channel: externalSecretsSignalChannel(entityRef),
        message: { entityRef, type: 'status-changed' },
      })
      .catch(error =>
        this.options.logger.warn(
          `Could not publish the status signal for ${entityRef}: ${error}`,
        ),
      );
  }
}
