/**
 * The field's rates over stored quality records, on both engines: each call counted in the right
 * row of each dimension (once per distinct value of its parties), the rates and intervals of the
 * contract, the comparison, and the recent one-way calls with an iPhone's diagnosis hint.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import { QualityReportSchema, type QualityRow } from '../../src/protocol/index.ts';
import { qualityReport, recentOneWay } from '../../src/quality/report.ts';
import { wilson } from '../../src/quality/stats.ts';
import { recordOf, SqlQualityRepo } from '../../src/store/quality.repo.ts';
import { IPHONE, qualityRecord } from '../support/quality-records.ts';
import { ENGINES, engines, postgresMissing } from '../support/stores.ts';

const stores = engines();
after(() => stores.stop());

const NOW = Date.UTC(2025, 5, 10, 12);
const DAY = 86_400_000;

const records = [
  qualityRecord('a1', NOW - 1000, { callee: IPHONE('18.4.1') }),
  qualityRecord('a2', NOW - 2000, { callee: IPHONE('18.4.1') }),
  qualityRecord('a3', NOW - 3000, {
    verdict: 'one-way-e2c-silent',
    callee: { ...IPHONE('18.4.1'), did_activate_ms: null, path: 'relay-udp' },
  }),
  // Two iPhones on different versions: once under each.
  qualityRecord('b1', NOW - DAY, {
    verdict: 'one-way-c2e-silent',
    caller: { ...IPHONE('18.3.2'), did_activate_ms: 300, watchdog: 'SessionID 0x0' },
    callee: { ...IPHONE('18.4.1'), did_activate_ms: 250 },
  }),
  // Two iPhones on the same version: once.
  qualityRecord('b2', NOW - DAY, { caller: IPHONE('18.3.2'), callee: IPHONE('18.3.2', '1.5.0') }),
  qualityRecord('c1', NOW - DAY, { verdict: 'no-audio' }),
  qualityRecord('c2', NOW - DAY, { verdict: 'not-answered', outcome: 'failed', caller: { path: null } }),
  // Before `since`: in no row.
  qualityRecord('old', NOW - 8 * DAY, { verdict: 'one-way-c2e-silent', callee: IPHONE('18.4.1') }),
];

const pick = (rows: QualityRow[], key: string) => {
  const row = rows.find((r) => r.key === key);
  assert.ok(row, `a row ${key} in ${rows.map((r) => r.key).join(', ')}`);
  return row;
};
const counts = (r: QualityRow) => [r.calls, r.twoWay, r.oneWayC2e, r.oneWayE2c, r.noAudio, r.failed];

for (const engine of ENGINES) {
  describe(
    `quality rates on ${engine}`,
    { skip: engine === 'postgres' && environmentSkip(postgresMissing()) },
    () => {
      const opened = (async () => {
        const store = await stores.open(engine);
        const repo = new SqlQualityRepo(store.db);
        // Through the repo's write path: the rates read the daily rollup it keeps.
        await repo.saveAll(records.map(recordOf));
        return repo;
      })();

      it('counts each call under each distinct iOS version of its parties', async () => {
        const report = await qualityReport(await opened, { by: 'ios-version', since: '7d' }, NOW);
        QualityReportSchema.parse(report);
        assert.deepEqual(
          report.rows.map((r) => r.key),
          ['18.3.2', '18.4.1'],
        );
        //                                    calls two c2e e2c none failed
        assert.deepEqual(counts(pick(report.rows, '18.4.1')), [4, 2, 1, 1, 0, 0]);
        assert.deepEqual(counts(pick(report.rows, '18.3.2')), [2, 1, 1, 0, 0, 0]);
        const r = pick(report.rows, '18.4.1');
        assert.equal(r.oneWayRate, 2 / 4);
        assert.deepEqual(r.wilson, { lo: wilson(2, 4).lower, hi: wilson(2, 4).upper });
        assert.equal(r.zeroFailureUpper, null);
      });

      it('counts per platform, engine, app version, path and day', async () => {
        const repo = await opened;
        const rows = async (by: 'platform' | 'engine' | 'app-version' | 'path' | 'day') =>
          (await qualityReport(repo, { by, since: '7d' }, NOW)).rows;
        assert.deepEqual(counts(pick(await rows('platform'), 'browser')), [5, 2, 0, 1, 1, 1]);
        assert.deepEqual(counts(pick(await rows('platform'), 'ios-shell')), [5, 3, 1, 1, 0, 0]);
        assert.deepEqual(counts(pick(await rows('engine'), 'native')), [5, 3, 1, 1, 0, 0]);
        assert.deepEqual(counts(pick(await rows('app-version'), '1.5.0')), [1, 1, 0, 0, 0, 0]);
        assert.deepEqual(counts(pick(await rows('app-version'), '1.4.0')), [7, 3, 1, 1, 1, 1]);
        // A call over two paths counts under each; a party that never connected has none.
        assert.deepEqual(counts(pick(await rows('path'), 'relay-udp')), [1, 0, 0, 1, 0, 0]);
        assert.deepEqual(counts(pick(await rows('path'), 'unknown')), [1, 0, 0, 0, 0, 1]);
        const days = await rows('day');
        assert.deepEqual(
          days.map((r) => [r.key, r.calls]),
          [
            ['2025-06-09', 4],
            ['2025-06-10', 3],
          ],
        );
      });

      it('gives a group without one-way calls its zero-failure bound, and [0, 1] to one without audio', async () => {
        const { rows } = await qualityReport(await opened, { by: 'app-version', since: '7d' }, NOW);
        assert.equal(pick(rows, '1.5.0').zeroFailureUpper, 1 - 0.05 ** (1 / 1));
        const all = await qualityReport(await opened, { by: 'app-version', since: String(NOW - 1000) }, NOW);
        assert.deepEqual(counts(pick(all.rows, '1.4.0')), [1, 1, 0, 0, 0, 0], 'since as epoch ms');
      });

      it('compares two groups by Newcombe and says whether the difference is significant', async () => {
        const repo = await opened;
        const { comparison } = await qualityReport(
          repo,
          { by: 'ios-version', since: '7d', compare: '18.4.1,18.3.2' },
          NOW,
        );
        assert.ok(comparison);
        assert.equal(comparison.difference, 2 / 4 - 1 / 2);
        assert.ok(comparison.interval.lo < 0 && comparison.interval.hi > 0);
        assert.equal(comparison.significant, false);
        const missing = await qualityReport(
          repo,
          { by: 'ios-version', since: '7d', compare: '17.0,18.3.2' },
          NOW,
        );
        assert.equal(missing.comparison?.significant, false, 'a group with no calls is never significant');
      });

      it('lists the recent one-way calls newest first, with what the iPhone said', async () => {
        const calls = await recentOneWay(await opened);
        assert.deepEqual(
          calls.map((c) => c.callId),
          ['a3', 'b1', 'old'],
        );
        const [a3, b1] = calls;
        assert.equal(a3?.e2c.heard, false);
        assert.equal(a3?.c2e.packets, 1500);
        assert.match(a3?.hint ?? '', /^callee \(sending the silent direction\): didActivate missing/);
        assert.match(b1?.hint ?? '', /caller \(sending the silent direction\): watchdog SessionID 0x0/);
      });
    },
  );
}
