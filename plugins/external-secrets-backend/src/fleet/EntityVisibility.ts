import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { DeadlineExceededError, withDeadline } from '../lib/withDeadline';

export interface EntityVisibilityOptions {
  catalog: CatalogService;
  /** how long one caller's answer is reused; default 30 s */
  ttlMs?: number;
  /** callers remembered at most (least recently used dropped); default 500 */
  maxCallers?: number;
  /** entity refs per catalog request; default 500 */
  chunkSize?: number;
  /** the most one answer may take before names are withheld; default 10 s */
  timeoutMs?: number;
  now?: () => number;
}

interface Entry {
  key: string;
  at: number;
  visible: Promise<ReadonlySet<string>>;
}

/** Who the caller is, for the cache: a user by entity ref, a service by subject. */
function callerKey(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal?.type === 'user' && principal.userEntityRef) {
    return `user:${principal.userEntityRef}`;
  }
  if (principal?.type === 'service' && principal.subject) {
    return `service:${principal.subject}`;
  }
  return `other:${principal?.type ?? 'none'}`;
}

/** The catalog did not tell which entities the caller may see (in time, or at all). */
export class VisibilityUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VisibilityUnavailableError';
  }
}

/**
 * Which of the claiming entities a caller may see, asked of the catalog with the caller's own
 * credentials (so the catalog's permission policy decides, as on every entity page). One answer
 * covers every claiming entity at once — a few `getEntitiesByRefs` calls in chunks, never one
 * per row — and is reused per caller for a short time, bounded in size.
 */
export class EntityVisibility {
  private readonly options: EntityVisibilityOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: EntityVisibilityOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * The subset of `entityRefs` the caller may see. `version` identifies the list (a new
   * catalog index gives a new version, and the caller's answer is asked again). Rejects with
   * {@link VisibilityUnavailableError} when the catalog fails or is too slow.
   */
  visibleTo(
    credentials: BackstageCredentials,
    entityRefs: readonly string[],
    version: number,
  ): Promise<ReadonlySet<string>> {
    const key = `${callerKey(credentials)}#${version}`;
    const ttl = this.options.ttlMs ?? 30_000;
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.at < ttl) {
      // least recently used last
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.visible;
    }
    const visible = this.ask(credentials, entityRefs);
    const entry = { key, at: now, visible };
    this.entries.delete(key);
    this.entries.set(key, entry);
    // a failed answer is not reused
    visible.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    const max = this.options.maxCallers ?? 500;
    while (this.entries.size > max) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return visible;
  }

  private async ask(
    credentials: BackstageCredentials,
    entityRefs: readonly string[],
  ): Promise<ReadonlySet<string>> {
    const chunkSize = this.options.chunkSize ?? 500;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const work = (async () => {
      const visible = new Set<string>();
      for (let i = 0; i < entityRefs.length; i += chunkSize) {
        const chunk = entityRefs.slice(i, i + chunkSize);
        const { items } = await this.options.catalog.getEntitiesByRefs(
          {
            entityRefs: [...chunk],
            fields: ['kind', 'metadata.namespace', 'metadata.name'],
          },
          { credentials },
        );
        // answered in the order asked, with a gap where the caller may not see the entity
        items.forEach((entity, index) => {
          if (entity && chunk[index] !== undefined) visible.add(chunk[index]);
        });
      }
      return visible;
    })();
    try {
      return await withDeadline(work, timeoutMs, 'the catalog');
    } catch (error) {
      if (error instanceof DeadlineExceededError) {
        throw new VisibilityUnavailableError(
          `the catalog did not answer within ${timeoutMs} ms`,
        );
      }
      throw new VisibilityUnavailableError(
        `the catalog could not be asked which entities you may see (${
          (error as Error)?.name ?? 'Error'
        })`,
      );
    } finally {
      work.catch(() => undefined);
    }
  }
}
