/**
 * The store's two engines for tests: a fresh SQLite file, or a fresh database on a throwaway
 * PostgreSQL cluster (Debian's real engine, started once per test file on a free port and stopped
 * with {@link Engines.stop}). Repository tests run their cases once on each.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { POSTGRES_BIN, startPostgres, type PostgresInstance } from '@softphone/test-support/engines/postgres';
import { openPostgres, openSqlite, type Engine, type Store } from '../../src/store/db.ts';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

/** Why this machine cannot run the PostgreSQL cases (for `environmentSkip`), or null. */
export function postgresMissing(): string | null {
  if (!fs.existsSync(path.join(POSTGRES_BIN, 'postgres')))
    return `no ${POSTGRES_BIN}/postgres (apt-get install postgresql)`;
  if (process.getuid?.() !== 0) return 'not root (the cluster runs as the postgres user, through runuser)';
  return null;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A store and where it is (an SQLite file or a postgres:// URL), to open it again. */
export type OpenedStore = Store & { where: string };

export interface Engines {
  /** A fresh, migrated store on `engine`. */
  open(engine: Engine): Promise<OpenedStore>;
  /** Another store on the same database, with its own connections (as another node's). */
  reopen(engine: Engine, where: string): Promise<OpenedStore>;
  /** A fresh, empty database (not migrated): an SQLite file path or a postgres:// URL. */
  fresh(engine: Engine): Promise<string>;
  /** Closes every store opened here and stops the PostgreSQL cluster, if one was started. */
  stop(): Promise<void>;
}

export function engines(): Engines {
  let cluster: Promise<PostgresInstance> | undefined;
  let databases = 0;
  const opened: Store[] = [];
  const reopen = async (engine: Engine, where: string): Promise<OpenedStore> => {
    const store = engine === 'sqlite' ? await openSqlite(where) : await openPostgres(where);
    opened.push(store);
    return { ...store, where };
  };
  const fresh = async (engine: Engine): Promise<string> => {
    if (engine === 'sqlite')
      return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'store-')), 'softphone.db');
    cluster ??= freePort().then((port) => startPostgres({ port }));
    return (await cluster).createDatabase(`t${process.pid}_${++databases}`);
  };
  return {
    fresh,
    reopen,
    open: async (engine) => reopen(engine, await fresh(engine)),
    async stop() {
      await Promise.all(opened.map((s) => s.close()));
      await (await cluster)?.stop();
    },
  };
}
