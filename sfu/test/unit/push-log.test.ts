/**
 * The push log is written for `voip-doctor --server-log`: this reads a log the sender wrote with the
 * doctor's own reader, so a field renamed on either side fails here.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadServerLog } from '@softphone/voip-doctor/server-log';
import { UTC } from '@softphone/voip-doctor/time';
import { FilePushLog, tokenSuffix, type ApnsPushRecord } from '../../src/push/push-log.ts';

test('voip-doctor reads every push record the server writes', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'push-log-')), 'apns-pushes.jsonl');
  const log = new FilePushLog(file);
  const token = crypto.randomBytes(32).toString('hex');
  const base = {
    callId: crypto.randomUUID(),
    tokenSuffix: tokenSuffix(token),
    bundleId: 'com.example.softphone',
    latencyMs: 12,
  };
  const records: ApnsPushRecord[] = [
    {
      ...base,
      'apns-id': crypto.randomUUID(),
      sentAt: '2026-11-23T10:00:00.000Z',
      status: 503,
      reason: 'ServiceUnavailable',
      env: 'sandbox',
      attempt: 1,
    },
    {
      ...base,
      'apns-id': crypto.randomUUID(),
      sentAt: '2026-11-23T10:00:00.250Z',
      status: 200,
      env: 'production',
      attempt: 2,
    },
    {
      ...base,
      'apns-id': crypto.randomUUID(),
      sentAt: '2026-11-23T10:00:01.000Z',
      status: 410,
      reason: 'Unregistered',
      env: 'sandbox',
      attempt: 1,
      unregisteredAt: 1_763_891_000_000,
    },
    {
      ...base,
      'apns-id': crypto.randomUUID(),
      sentAt: '2026-11-23T10:00:02.000Z',
      status: 0,
      reason: 'ECONNREFUSED',
      env: 'sandbox',
      attempt: 1,
    },
  ];
  for (const r of records) log.record(r);
  await log.close();

  const { pushes, stats } = await loadServerLog(file, 0, UTC);
  assert.equal(stats.status, 'ok');
  assert.deepEqual([stats.pushes, stats.skipped, stats.unknownLines], [records.length, 0, 0]);
  assert.deepEqual(
    pushes.map((p) => [p.apnsId, p.callId, p.sent, p.status, p.reason, p.env]),
    records.map((r) => [
      r['apns-id'],
      r.callId,
      Date.parse(r.sentAt),
      r.status,
      r.reason,
      r.env === 'sandbox' ? 'development' : 'production',
    ]),
  );
});
