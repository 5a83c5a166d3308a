/**
 * Builds every component of the server and wires them: Janus, the store, accounts, presence,
 * calls, HTTP + socket.io. Used by `main.ts` and by the integration tests, so both run the same thing.
 */
import path from 'node:path';
import { AccountService } from './accounts/account-service.ts';
import { createApplication, type Application } from './app.ts';
import { CallService } from './call/call-service.ts';
import { JanusGateway } from './janus/janus-gateway.ts';
import type { Logger } from './log.ts';
import { Presence } from './presence/presence.ts';
import { SqliteCallsRepo } from './store/calls.repo.ts';
import { openDb, type Db } from './store/db.ts';
import { SqliteDevicesRepo } from './store/devices.repo.ts';
import { SqliteSessionsRepo } from './store/sessions.repo.ts';
import { SqliteUsersRepo } from './store/users.repo.ts';

export interface ServerOptions {
  dataDir: string;
  webDir: string;
  noAnswerTimeoutMs: number;
  janus: { wsPort: number; adminPort: number; rtpPortRange: string; iceInterface: string };
  log: Logger;
}

export interface Server extends Application {
  gateway: JanusGateway;
  calls: CallService;
  db: Db;
  /** Closes connections, stops Janus, closes the database. */
  stop(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<Server> {
  const gateway = new JanusGateway({ dataDir: o.dataDir, log: o.log, ...o.janus });
  await gateway.start();
  const db = openDb(path.join(o.dataDir, 'softphone.db'));
  const users = new SqliteUsersRepo(db);
  const history = new SqliteCallsRepo(db);
  const devices = new SqliteDevicesRepo(db);
  const accounts = new AccountService(users, new SqliteSessionsRepo(db));
  const presence = new Presence();
  const calls = new CallService({
    presence,
    gateway,
    users,
    calls: history,
    log: o.log,
    noAnswerTimeoutMs: o.noAnswerTimeoutMs,
  });
  const app = createApplication({
    accounts,
    devices,
    history,
    presence,
    calls,
    gateway,
    log: o.log,
    webDir: o.webDir,
    noAnswerTimeoutMs: o.noAnswerTimeoutMs,
  });
  return {
    ...app,
    gateway,
    calls,
    db,
    async stop() {
      await app.io.close();
      await gateway.stop();
      db.close();
    },
  };
}
