import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrate, openDb } from '../../src/store/db.ts';

describe('store', () => {
  it('applies every migration once, in order, and records it', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'db-')), 'x.db');
    const db = openDb(file);
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as {
      version: number;
      name: string;
    }[];
    assert.ok(rows.length >= 1);
    assert.equal(rows[0]?.name, '001_accounts_and_calls.sql');
    assert.deepEqual(migrate(db), [], 'a second run applies nothing');
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const again = openDb(file);
    assert.equal(
      (again.prepare('SELECT count(*) n FROM schema_migrations').get() as { n: number }).n,
      rows.length,
    );
    again.close();
  });
});
