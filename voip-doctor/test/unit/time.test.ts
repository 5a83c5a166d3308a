import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UTC, formatTime, parseClock, parseDay, parseStamp, parseZone } from '../../src/time.ts';

test('log show timestamps keep microseconds and their offset', () => {
  const s = parseStamp('2025-08-29 16:21:19.348953+0530', 0, UTC);
  assert.ok(s);
  assert.equal(s.offset, 330);
  assert.equal(s.zoned, true);
  assert.equal(s.time, Date.UTC(2025, 7, 29, 10, 51, 19) + 348.953);
  assert.equal(formatTime(s.time, s.offset), '2025-08-29T16:21:19.348+05:30');
});

test('a space before the offset, a colon inside it, and Z are all accepted', () => {
  assert.equal(parseStamp('2025-08-29 12:05:01.310788 +0530', 0, UTC)?.offset, 330);
  assert.equal(parseStamp('2025-06-02T10:00:00.000-04:00', 0, UTC)?.offset, -240);
  assert.equal(parseStamp('2025-06-02T14:00:00.000Z', 0, UTC)?.time, Date.UTC(2025, 5, 2, 14));
});

test('a timestamp without offset takes the assumed zone and says so', () => {
  const zone = parseZone('-0400');
  assert.ok(zone);
  const s = parseStamp('2026-02-11 09:14:03.201', 0, zone);
  assert.equal(s?.zoned, false);
  assert.equal(s?.time, Date.UTC(2026, 1, 11, 13, 14, 3, 201));
});

test('invalid calendar values are rejected instead of rolled over', () => {
  assert.equal(parseStamp('2025-13-29 16:21:19.3+0000', 0, UTC), null);
  assert.equal(parseStamp('not a time at all, really', 0, UTC), null);
  assert.equal(parseClock('25:00:00', 0, 0, UTC), null);
});

test('zones and days parse from the command line forms', () => {
  assert.deepEqual(parseZone('+05:30'), { kind: 'fixed', minutes: 330 });
  assert.deepEqual(parseZone('UTC'), UTC);
  assert.deepEqual(parseZone('local'), { kind: 'local' });
  assert.equal(parseZone('Europe/Paris'), null);
  assert.equal(parseDay('2025-08-29'), Date.UTC(2025, 7, 29));
  assert.equal(parseDay('29/08/2025'), null);
});
