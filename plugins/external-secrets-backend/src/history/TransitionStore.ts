import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  HistoryState,
  StateTransition,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { Knex } from 'knex';

const TABLE = 'external_secret_transitions';
/** rows per INSERT: far below SQLite's bound-parameter limit, few round trips on PostgreSQL */
const INSERT_CHUNK = 500;
/** (cluster, namespace, name) tuples per SELECT */
const KEY_CHUNK = 300;

const migrationsDir = resolvePackagePath(
  '@gitops-secrets/plugin-external-secrets-backend',
  'migrations',
);

/**
 * One state transition to record. `resourceVersion` is the version of the object the new state
 * was read from: with `cluster`, `uid` and `to` it is the key that makes a second write of the
 * same transition (by another replica, or after a restart) a no-op.
 *
 * @public
 */
export interface TransitionRecord {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  entityRef?: string;
  from?: HistoryState;
  to: HistoryState;
  reason?: string;
  findingCode?: string;
  resourceVersion: string;
  occurredAt: Date;
}

/**
 * A transition as stored, with the row id and when it was written.
 *
 * @public
 */
export interface StoredTransition extends TransitionRecord {
  id: number;
  recordedAt: Date;
}

/** What the status API adds to one row from the history. */
export interface ExternalSecretHistory {
  transitions: StateTransition[];
  /** the newest stored state of the name (any uid), if any */
  latestState?: HistoryState;
  /** when the name last left `Synced`, if it ever did in the kept history */
  lastLeftSyncedAt?: string;
}

/** Identifies an ExternalSecret by name, across re-creations (uids). */
export interface ExternalSecretName {
  cluster: string;
  namespace: string;
  name: string;
}

/** Retention limits; see `externalSecrets.history.retention` in config.d.ts. */
export interface RetentionLimits {
  maxAgeMs: number;
  maxPerExternalSecret: number;
}

interface Row {
  id: number | string;
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  entity_ref: string | null;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  finding_code: string | null;
  resource_version: string;
  occurred_at: Date | string | number;
  recorded_at: Date | string | number;
}

/** SQLite hands timestamps back as epoch milliseconds, PostgreSQL as Date. */
function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function toStored(row: Row): StoredTransition {
  return {
    id: Number(row.id),
    cluster: row.cluster,
    namespace: row.namespace,
    name: row.name,
    uid: row.uid,
    entityRef: row.entity_ref ?? undefined,
    from: (row.from_state as HistoryState | null) ?? undefined,
    to: row.to_state as HistoryState,
    reason: row.reason ?? undefined,
    findingCode: row.finding_code ?? undefined,
    resourceVersion: row.resource_version,
    occurredAt: toDate(row.occurred_at),
    recordedAt: toDate(row.recorded_at),
  };
}

function truncate(text: string | undefined, max: number): string | null {
  if (text === undefined || text === '') return null;
  return text.length > max ? text.slice(0, max) : text;
}

/** The transition as the status API shows it. */
export function toStateTransition(stored: StoredTransition): StateTransition {
  return {
    at: stored.occurredAt.toISOString(),
    from: stored.from,
    to: stored.to,
    reason: stored.reason,
    findingCode: stored.findingCode,
  };
}

export function nameKey(name: ExternalSecretName): string {
  return `${name.cluster}/${name.namespace}/${name.name}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

/**
 * The sync history in the plugin's database (`coreServices.database`: SQLite in development,
 * PostgreSQL in production), with knex migrations shipped in the package. Writes are idempotent
 * on (cluster, uid, resourceVersion, to): any number of replicas may record the same
 * transition, one row results, and {@link TransitionStore.record} tells each caller which rows
 * it was the one to write.
 *
 * @public
 */
export class TransitionStore {
  private constructor(private readonly db: Knex) {}

  static async create(options: {
    database: DatabaseService;
  }): Promise<TransitionStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({ directory: migrationsDir });
    }
    return new TransitionStore(db);
  }

  /** For tests: a store on a knex client whose migrations already ran or are run here. */
  static async forKnex(db: Knex): Promise<TransitionStore> {
    await db.migrate.latest({ directory: migrationsDir });
    return new TransitionStore(db);
  }

  /**
   * Writes the transitions that are not stored yet and returns exactly those (in input order):
   * the caller that gets a row back is the only one, across replicas, that wrote it.
   */
  async record(
    records: readonly TransitionRecord[],
    now: Date = new Date(),
  ): Promise<StoredTransition[]> {
    const written: StoredTransition[] = [];
    for (const chunk of chunks(records, INSERT_CHUNK)) {
      const rows = chunk.map(r => ({
        cluster: r.cluster,
        namespace: r.namespace,
        name: r.name,
        uid: r.uid,
        entity_ref: truncate(r.entityRef, 512),
        from_state: r.from ?? null,
        to_state: r.to,
        reason: truncate(r.reason, 256),
        finding_code: truncate(r.findingCode, 64),
        resource_version: r.resourceVersion.slice(0, 64),
        occurred_at: r.occurredAt,
        recorded_at: now,
      }));
      const inserted: Row[] = await this.db(TABLE)
        .insert(rows)
        .onConflict(['cluster', 'uid', 'resource_version', 'to_state'])
        .ignore()
        .returning('*');
      written.push(...inserted.map(toStored).sort((a, b) => a.id - b.id));
    }
    return written;
  }

  /** The newest stored transition of every ExternalSecret (by uid) of a cluster. */
  async latestByUid(cluster: string): Promise<Map<string, StoredTransition>> {
    const newest = this.db(TABLE).max('id').where({ cluster }).groupBy('uid');
    const rows: Row[] = await this.db(TABLE).whereIn('id', newest).select();
    return new Map(rows.map(row => [row.uid, toStored(row)]));
  }

  /**
   * For each name: its last `limit` transitions (newest first), its newest state and when it
   * last left `Synced`.
   */
  async historyOf(
    names: readonly ExternalSecretName[],
    limit: number,
  ): Promise<Map<string, ExternalSecretHistory>> {
    const result = new Map<string, ExternalSecretHistory>();
    for (const name of names) {
      result.set(nameKey(name), { transitions: [] });
    }
    for (const chunk of chunks(names, KEY_CHUNK)) {
      const tuples = chunk.map(n => [n.cluster, n.namespace, n.name]);
      const ranked = this.db(TABLE)
        .select(
          '*',
          this.db.raw(
            'row_number() over (partition by cluster, namespace, name order by occurred_at desc, id desc) as newness',
          ),
        )
        .whereIn(['cluster', 'namespace', 'name'], tuples)
        .as('ranked');
      const recent: (Row & { newness: number | string })[] = await this.db
        .select('*')
        .from(ranked)
        .where('newness', '<=', limit)
        .orderBy([
          { column: 'occurred_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ]);
      const newestIds = this.db(TABLE)
        .max('id')
        .whereIn(['cluster', 'namespace', 'name'], tuples)
        .groupBy('cluster', 'namespace', 'name');
      const newest: Row[] = await this.db(TABLE)
        .whereIn('id', newestIds)
        .select();
      const leftSynced: {
        cluster: string;
        namespace: string;
        name: string;
        at: Date | string | number | null;
      }[] = await this.db(TABLE)
        .select('cluster', 'namespace', 'name')
        .max({ at: 'occurred_at' })
        .whereIn(['cluster', 'namespace', 'name'], tuples)
        .andWhere('from_state', 'Synced')
        .groupBy('cluster', 'namespace', 'name');

      for (const row of recent) {
        result
          .get(nameKey(row))
          ?.transitions.push(toStateTransition(toStored(row)));
      }
      for (const row of newest) {
        const entry = result.get(nameKey(row));
        if (entry) entry.latestState = row.to_state as HistoryState;
      }
      for (const row of leftSynced) {
        const entry = result.get(nameKey(row));
        if (entry && row.at !== null) {
          entry.lastLeftSyncedAt = toDate(row.at).toISOString();
        }
      }
    }
    return result;
  }

  /** Every stored transition of one object, oldest first (tests, tools). */
  async transitionsOf(
    cluster: string,
    uid: string,
  ): Promise<StoredTransition[]> {
    const rows: Row[] = await this.db(TABLE)
      .where({ cluster, uid })
      .orderBy('id', 'asc')
      .select();
    return rows.map(toStored);
  }

  /**
   * Applies the retention limits: at most `maxPerExternalSecret` rows per object, and nothing
   * older than `maxAgeMs` — except each live object's newest row, which is what a restarting
   * backend compares the cluster against (so keeping it means no state is recorded twice). A
   * deleted object's history goes once its deletion is older than the age limit.
   * Returns how many rows were deleted.
   */
  async prune(
    limits: RetentionLimits,
    now: Date = new Date(),
  ): Promise<number> {
    const overCount = this.db
      .select('id')
      .from(
        this.db(TABLE)
          .select(
            'id',
            this.db.raw(
              'row_number() over (partition by cluster, uid order by id desc) as newness',
            ),
          )
          .as('ranked'),
      )
      .where('newness', '>', limits.maxPerExternalSecret);
    const byCount = await this.db(TABLE).whereIn('id', overCount).delete();

    const cutoff = new Date(now.getTime() - limits.maxAgeMs);
    const newestPerObject = this.db(TABLE).max('id').groupBy('cluster', 'uid');
    const byAge = await this.db(TABLE)
      .where('occurred_at', '<', cutoff)
      .andWhere(q =>
        q.where('to_state', 'Deleted').orWhereNotIn('id', newestPerObject),
      )
      .delete();
    return byCount + byAge;
  }
}
