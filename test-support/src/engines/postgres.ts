/**
 * A throwaway PostgreSQL cluster (Debian's postgresql-15 binaries, the real engine — not a
 * stand-in) for tests and the multi-node rig. `initdb` refuses to run as root, so the cluster is
 * created and run as the `postgres` user the Debian package adds; it lives in a temp dir, listens
 * on the given address and port, and trusts local connections (a test cluster, never a service).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild, type Started } from '../child.ts';

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresOptions {
  host?: string;
  port: number;
  netns?: string;
  /** Where the cluster and its log live (default a temp dir). Reusing a dir keeps the data. */
  dir?: string;
  /**
   * A network (CIDR) whose clients are trusted besides loopback: initdb's `-A trust` covers only
   * local connections, and the multi-node rig's nodes connect from a backbone.
   */
  trustNetwork?: string;
}

export interface PostgresInstance {
  /** postgres://postgres@host:port/postgres */
  url: string;
  dir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A fresh, empty database on this cluster, as a URL (for tests that each want their own). */
  createDatabase(name: string): string;
  /** Runs SQL in a database through psql; its rows unaligned, one a line, fields split by tabs. */
  query(db: string, sql: string): string[][];
}

const asPostgres = (bin: string, args: string[]): string[] => [
  '-u',
  'postgres',
  '--',
  path.join(POSTGRES_BIN, bin),
  ...args,
];

export async function startPostgres(o: PostgresOptions): Promise<PostgresInstance> {
  const host = o.host ?? '127.0.0.1';
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pg-'));
  const data = path.join(dir, 'data');
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    fs.mkdirSync(data, { recursive: true });
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    fs.chmodSync(dir, 0o755);
    execFileSync(
      'runuser',
      asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8']),
      {
        stdio: 'ignore',
      },
    );
    if (o.trustNetwork) {
      fs.appendFileSync(path.join(data, 'pg_hba.conf'), `host all all ${o.trustNetwork} trust\n`);
    }
  }
  const runArgs = asPostgres('postgres', [
    '-D',
    data,
    '-c',
    `listen_addresses=${host}`,
    '-p',
    String(o.port),
    // The socket directory must be writable by postgres; the default (/var/run/postgresql) may not exist.
    '-k',
    dir,
    // Tests don't need durability across a machine crash; a restart of the process keeps the data.
    '-c',
    'fsync=off',
  ]);
  const cmd = o.netns ? 'ip' : 'runuser';
  const argv = o.netns ? ['netns', 'exec', o.netns, 'runuser', ...runArgs] : runArgs;
  let running: Started | undefined;
  const start = async (): Promise<void> => {
    running = await startChild('postgres', cmd, argv, {
      ready: /database system is ready to accept connections/,
      timeoutMs: 30_000,
      logFile: path.join(dir, 'postgres.log'),
    });
  };
  await start();
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const psql = (db: string, sql: string): string =>
    execFileSync(
      o.netns ? 'ip' : 'runuser',
      [
        ...(o.netns ? ['netns', 'exec', o.netns, 'runuser'] : []),
        ...asPostgres('psql', ['-h', host, '-p', String(o.port), '-d', db, '-qAt', '-F', '\t', '-c', sql]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
  return {
    url: `postgres://postgres@${hostInUrl}:${o.port}/postgres`,
    dir,
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
    start,
    createDatabase: (name: string) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      psql('postgres', `CREATE DATABASE ${name}`);
      return `postgres://postgres@${hostInUrl}:${o.port}/${name}`;
    },
    query: (db: string, sql: string) =>
      psql(db, sql)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t')),
  };
}
