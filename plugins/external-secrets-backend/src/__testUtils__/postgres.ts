import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a PostgreSQL server's programs are, and who runs them. */
export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  /** set when this process is root: initdb refuses root, so the server runs as this user */
  runAs?: { user: string; uid: number; gid: number };
}

/** A PostgreSQL cluster of this test run, on 127.0.0.1 only. */
export interface PostgresCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  /** a knex/pg `connection` object for `backend.database.connection` */
  connection: {
    host: string;
    port: number;
    user: string;
    password: string;
  };
  stop(): Promise<void>;
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

function userIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
    return Number.isInteger(uid) && Number.isInteger(gid)
      ? { uid, gid }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds `initdb` and `pg_ctl` (`PG_BIN`, then `PATH`, then Debian's
 * `/usr/lib/postgresql/<version>/bin`, newest first). Returns the reason instead when a cluster
 * cannot be run here, so the test can report itself skipped with it.
 */
export function findPostgres(): PostgresBinaries | { missing: string } {
  const dirs = [
    process.env.PG_BIN,
    ...(() => {
      try {
        return fs
          .readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map(v => `/usr/lib/postgresql/${v}/bin`);
      } catch {
        return [];
      }
    })(),
  ].filter((d): d is string => !!d);
  const find = (name: string) =>
    (process.env.PG_BIN && executable(path.join(process.env.PG_BIN, name))
      ? path.join(process.env.PG_BIN, name)
      : undefined) ??
    onPath(name) ??
    dirs.map(d => path.join(d, name)).find(executable);
  const initdb = find('initdb');
  const pgCtl = find('pg_ctl');
  if (!initdb || !pgCtl) {
    return {
      missing:
        'no PostgreSQL server programs (initdb, pg_ctl) on PATH, in PG_BIN or under /usr/lib/postgresql/*/bin; install Debian\'s "postgresql" package to run it',
    };
  }
  if (process.getuid?.() !== 0) return { initdb, pgCtl };
  // initdb refuses to run as root; CI runs everything as root.
  const user = process.env.PG_TEST_USER ?? 'postgres';
  const ids = userIds(user);
  if (!ids || !onPath('runuser')) {
    return {
      missing: `running as root, and there is no user "${user}" (or no runuser) to run PostgreSQL as; create one or set PG_TEST_USER`,
    };
  }
  return { initdb, pgCtl, runAs: { user, ...ids } };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function command(
  binaries: PostgresBinaries,
  program: string,
  args: string[],
): [string, string[]] {
  return binaries.runAs
    ? ['runuser', ['-u', binaries.runAs.user, '--', program, ...args]]
    : [program, args];
}

/**
 * Starts a throw-away PostgreSQL cluster in a temporary directory on a free loopback port
 * (password authentication, no fsync — a test cluster), as `runAs` when this process is root.
 * Every step is bounded; `stop()` shuts it down and removes the directory, and so does this
 * process's exit if a test never got to call it.
 */
export async function startPostgres(
  binaries: PostgresBinaries,
): Promise<PostgresCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-postgres-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const pwfile = path.join(dir, 'pwfile');
  const user = 'postgres';
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (binaries.runAs) {
    fs.chownSync(dir, binaries.runAs.uid, binaries.runAs.gid);
    fs.chownSync(pwfile, binaries.runAs.uid, binaries.runAs.gid);
  }
  const exec = async (program: string, args: string[], timeout: number) => {
    const [file, argv] = command(binaries, program, args);
    try {
      await run(file, argv, { cwd: dir, timeout, env: process.env });
    } catch (error) {
      let serverLog = '';
      try {
        serverLog = fs.readFileSync(log, 'utf8').slice(-2000);
      } catch {
        // no log yet
      }
      throw new Error(
        `${path.basename(program)} ${args[0]} failed: ${
          (error as Error).message
        }${serverLog ? `\nserver log:\n${serverLog}` : ''}`,
      );
    }
  };
  const stopNow = () => {
    const [file, argv] = command(binaries, binaries.pgCtl, [
      'stop',
      '-D',
      data,
      '-m',
      'immediate',
      '-w',
      '-t',
      '10',
    ]);
    try {
      execFileSync(file, argv, { cwd: dir, timeout: 15_000, stdio: 'ignore' });
    } catch {
      // not running
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await exec(
      binaries.initdb,
      [
        '-D',
        data,
        '-U',
        user,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-instructions',
      ],
      60_000,
    );
    const port = await freePort();
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-c port=${port}`,
      `-c unix_socket_directories=${dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    await exec(
      binaries.pgCtl,
      ['start', '-D', data, '-l', log, '-w', '-t', '30', '-o', options],
      40_000,
    );
    process.once('exit', stopNow);
    const connection = { host: '127.0.0.1', port, user, password };
    return {
      ...connection,
      connection,
      async stop() {
        process.off('exit', stopNow);
        try {
          await exec(
            binaries.pgCtl,
            ['stop', '-D', data, '-m', 'fast', '-w', '-t', '20'],
            30_000,
          );
        } finally {
          stopNow();
        }
      },
    };
  } catch (error) {
    stopNow();
    throw error;
  }
}
