import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

const TABLE = 'external_secrets_notifications';

const migrationsDir = resolvePackagePath(
  '@gitops-secrets/plugin-external-secrets-backend',
  'migrations',
);

/** A failure episode that was notified, as stored. */
export interface NotifiedEpisode {
  /**
   * `es:<cluster>/<namespace>/<name>/<uid>`, `cluster:<cluster>`, or
   * `rotation:<cluster>/<namespace>/<name>/<uid>/<Vault key>` (a pending rotation)
   */
  subject: string;
  /** identifies the episode within its subject, the same on every replica */
  episode: string;
  cluster: string;
  entityRef?: string;
  recipients: string[];
  severity: string;
  findingCode?: string;
  failingSince: Date;
  openedAt: Date;
  closedAt?: Date;
  /** `superseded`: a pending rotation of which a newer version was told */
  closedAs?: 'recovered' | 'deleted' | 'superseded';
}

interface Row {
  subject: string;
  episode: string;
  cluster: string;
  entity_ref: string | null;
  recipients: string;
  severity: string;
  finding_code: string | null;
  failing_since: Date | string | number;
  opened_at: Date | string | number;
  closed_at: Date | string | number | null;
  closed_as: string | null;
}

/** SQLite hands timestamps back as epoch milliseconds, PostgreSQL as Date. */
function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function toEpisode(row: Row): NotifiedEpisode {
  let recipients: string[] = [];
  try {
    recipients = JSON.parse(row.recipients);
  } catch {
    // written by this class only; an unreadable value names nobody
  }
  return {
    subject: row.subject,
    episode: row.episode,
    cluster: row.cluster,
    entityRef: row.entity_ref ?? undefined,
    recipients,
    severity: row.severity,
    findingCode: row.finding_code ?? undefined,
    failingSince: toDate(row.failing_since),
    openedAt: toDate(row.opened_at),
    closedAt: row.closed_at === null ? undefined : toDate(row.closed_at),
    closedAs: (row.closed_as as NotifiedEpisode['closedAs']) ?? undefined,
  };
}

/**
 * Which failure and recovery notifications were sent, in the plugin's database. Every replica
 * evaluates the same caches; the row decides who sends: {@link NotificationLedger.open} succeeds
 * for exactly one caller per (subject, episode), {@link NotificationLedger.close} for exactly one
 * caller per open episode — across replicas and restarts.
 */
export class NotificationLedger {
  private constructor(private readonly db: Knex) {}

  static async create(options: {
    database: DatabaseService;
  }): Promise<NotificationLedger> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({ directory: migrationsDir });
    }
    return new NotificationLedger(db);
  }

  /** For tests: a ledger on a knex client (migrations are run here). */
  static async forKnex(db: Knex): Promise<NotificationLedger> {
    await db.migrate.latest({ directory: migrationsDir });
    return new NotificationLedger(db);
  }

  /** Every episode of the cluster that has no recovery yet (its ExternalSecrets' and its own). */
  async openEpisodes(cluster: string): Promise<NotifiedEpisode[]> {
    const rows: Row[] = await this.db(TABLE)
      .where({ cluster })
      .whereNull('closed_at')
      .select();
    return rows.map(toEpisode);
  }

  /** The newest episode of a subject, open or closed. */
  async latest(subject: string): Promise<NotifiedEpisode | undefined> {
    const row: Row | undefined = await this.db(TABLE)
      .where({ subject })
      .orderBy('opened_at', 'desc')
      .orderBy('episode', 'desc')
      .first();
    return row ? toEpisode(row) : undefined;
  }

  /** How many episodes a subject had (a cluster's next outage number). */
  async count(subject: string): Promise<number> {
    const [{ n }] = await this.db(TABLE).where({ subject }).count({ n: '*' });
    return Number(n);
  }

  /**
   * Records that the failure of an episode is being notified. True for the one caller whose
   * insert created the row; false when any replica did so before.
   */
  async open(
    episode: Omit<NotifiedEpisode, 'closedAt' | 'closedAs'>,
  ): Promise<boolean> {
    const inserted = await this.db(TABLE)
      .insert({
        subject: episode.subject,
        episode: episode.episode,
        cluster: episode.cluster,
        entity_ref: episode.entityRef?.slice(0, 512) ?? null,
        recipients: JSON.stringify(episode.recipients),
        severity: episode.severity,
        finding_code: episode.findingCode?.slice(0, 64) ?? null,
        failing_since: episode.failingSince,
        opened_at: episode.openedAt,
      })
      .onConflict(['subject', 'episode'])
      .ignore()
      .returning('subject');
    return inserted.length === 1;
  }

  /** Undoes {@link NotificationLedger.open} after the notification could not be sent. */
  async unopen(subject: string, episode: string): Promise<void> {
    await this.db(TABLE)
      .where({ subject, episode })
      .whereNull('closed_at')
      .delete();
  }

  /** Closes an open episode; true for the one caller that closed it. */
  async close(
    subject: string,
    episode: string,
    as: NonNullable<NotifiedEpisode['closedAs']>,
    at: Date,
  ): Promise<boolean> {
    const updated = await this.db(TABLE)
      .where({ subject, episode })
      .whereNull('closed_at')
      .update({ closed_at: at, closed_as: as });
    return updated === 1;
  }

  /** Undoes {@link NotificationLedger.close} after the recovery could not be sent. */
  async reopen(subject: string, episode: string): Promise<void> {
    await this.db(TABLE)
      .where({ subject, episode })
      .update({ closed_at: null, closed_as: null });
  }

  /** Every stored episode, oldest first (tests, tools). */
  async all(): Promise<NotifiedEpisode[]> {
    const rows: Row[] = await this.db(TABLE)
      .orderBy('opened_at', 'asc')
      .orderBy('subject', 'asc')
      .select();
    return rows.map(toEpisode);
  }

  /** Deletes closed episodes closed before `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    return this.db(TABLE)
      .whereNotNull('closed_at')
      .andWhere('closed_at', '<', before)
      .delete();
  }
}
