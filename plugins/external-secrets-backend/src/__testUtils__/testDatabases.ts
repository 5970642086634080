import knexFactory, { type Knex } from 'knex';
import { findPostgres, startPostgres, type PostgresCluster } from './postgres';

/** A database engine the plugin supports, for tests that run against each. */
export interface TestEngine {
  name: string;
  /** a fresh, empty database */
  create(): Promise<Knex>;
}

/**
 * SQLite (in memory) always, and a real PostgreSQL cluster where its programs are installed
 * (started once per test file by `setup()`, stopped by `teardown()`). `skipped` says why
 * PostgreSQL is not among them.
 */
export function testEngines() {
  const found = findPostgres();
  const clients: Knex[] = [];
  let cluster: PostgresCluster | undefined;
  let admin: Knex | undefined;
  let counter = 0;

  const sqlite: TestEngine = {
    name: 'SQLite',
    async create() {
      const db = knexFactory({
        client: 'better-sqlite3',
        connection: { filename: ':memory:' },
        useNullAsDefault: true,
      });
      clients.push(db);
      return db;
    },
  };
  const postgres: TestEngine = {
    name: 'PostgreSQL',
    async create() {
      if (!cluster || !admin) throw new Error('setup() did not run');
      const database = `test_${process.pid}_${++counter}`;
      await admin.raw('create database ??', [database]);
      const db = knexFactory({
        client: 'pg',
        connection: { ...cluster.connection, database },
        pool: { min: 0, max: 5 },
      });
      clients.push(db);
      return db;
    },
  };

  return {
    engines: 'missing' in found ? [sqlite] : [sqlite, postgres],
    skipped: 'missing' in found ? found.missing : undefined,
    async setup() {
      if ('missing' in found) return;
      cluster = await startPostgres(found);
      admin = knexFactory({
        client: 'pg',
        connection: { ...cluster.connection, database: 'postgres' },
        pool: { min: 0, max: 1 },
      });
    },
    async teardown() {
      await Promise.all(clients.map(c => c.destroy()));
      await admin?.destroy();
      await cluster?.stop();
    },
  };
}
