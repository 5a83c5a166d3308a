/**
 * A call's history writes land in the order the call made them, whatever the store's latency, and
 * closing waits for them: on a real store of each engine, with the call's first write held back
 * (as a slow round trip to PostgreSQL would).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import { CallRecord } from '../../src/call/call-record.ts';
import { EndReason } from '../../src/protocol/index.ts';
import { SqlCallsRepo, type CallsRepo } from '../../src/store/calls.repo.ts';
import { SqlQualityRepo } from '../../src/store/quality.repo.ts';
import { SqlUsersRepo } from '../../src/store/users.repo.ts';
import { ENGINES, engines, postgresMissing } from '../support/stores.ts';

const stores = engines();
after(() => stores.stop());

/** The real repository, its `created` held until `release()`. */
function heldBack(repo: CallsRepo): { repo: CallsRepo; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow: CallsRepo = Object.create(repo) as CallsRepo;
  slow.created = async (c) => {
    await gate;
    return repo.created(c);
  };
  return { repo: slow, release };
}

for (const engine of ENGINES) {
  describe(
    `call record on ${engine}`,
    { skip: engine === 'postgres' && environmentSkip(postgresMissing()) },
    () => {
      it("writes a call's rows in its order: the end is not lost behind a slow start, and settled() waits for both", async () => {
        const { db } = await stores.open(engine);
        const users = new SqlUsersRepo(db);
        for (const id of ['ann', 'bob'])
          await users.create({ id, username: id, displayName: id, passwordHash: 'x', createdAt: 0 });
        const { repo, release } = heldBack(new SqlCallsRepo(db));
        const record = new CallRecord(
          repo,
          () => 'node-a',
          pino({ level: 'silent' }),
          new SqlQualityRepo(db),
        );
        record.created({ id: 'c1', callerId: 'ann', calleeId: 'bob', at: 1_000 });
        record.answered('c1', 2_000);
        record.ended('c1', 3_000, EndReason.HungUp, 'caller');
        const settled = record.settled();
        release();
        await settled;
        const row = await db
          .selectFrom('calls')
          .select(['answered_at', 'ended_at', 'end_reason', 'home_node'])
          .where('id', '=', 'c1')
          .executeTakeFirst();
        assert.deepEqual(row, {
          answered_at: 2_000,
          ended_at: 3_000,
          end_reason: 'hung-up',
          home_node: 'node-a',
        });
      });
    },
  );
}
