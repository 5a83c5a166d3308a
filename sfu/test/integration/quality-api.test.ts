/**
 * `GET /api/quality` and `/api/quality/recent-one-way` over the real server and store: refused
 * signed out (401) and to an account that is not an operator (403), and for an operator the
 * records stored in the server's database counted in the right rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ErrorCode,
  QualityReportSchema,
  RecentOneWayReplySchema,
  type ErrorReply,
} from '../../src/protocol/index.ts';
import { recordOf, SqlQualityRepo } from '../../src/store/quality.repo.ts';
import { IPHONE, qualityRecord } from '../support/quality-records.ts';
import { signUp, startHarness, type Harness, type User } from './harness.ts';

async function signUpAs(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery', displayName: 'Ops' }),
  });
  assert.equal(res.status, 201);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

describe('quality API', { timeout: 60_000 }, () => {
  let h: Harness;
  let operatorCookie: string;
  let someone: User;
  const get = (path: string, cookie?: string) =>
    fetch(`${h.url}${path}`, { headers: cookie ? { cookie } : {} });

  before(async () => {
    h = await startHarness({ qualityOperators: ['Ops.Lead'] });
    operatorCookie = await signUpAs(h.url, 'ops.lead');
    someone = await signUp(h.url, 'Someone');
    const now = Date.now();
    // Through the repo's write path: the rates read the daily rollup it keeps.
    await new SqlQualityRepo(h.server.store.db).saveAll(
      [
        qualityRecord('q1', now - 60_000, { callee: IPHONE('18.4.1') }),
        qualityRecord('q2', now - 50_000, {
          verdict: 'one-way-e2c-silent',
          callee: { ...IPHONE('18.4.1'), did_activate_ms: null },
        }),
        qualityRecord('q3', now - 40_000, { caller: IPHONE('18.3.2') }),
        qualityRecord('q4', now - 30_000, { verdict: 'no-audio' }),
      ].map(recordOf),
    );
  });
  after(async () => h.stop());

  for (const path of ['/api/quality?by=ios-version', '/api/quality/recent-one-way']) {
    it(`refuses ${path} signed out (401) and to a non-operator (403)`, async () => {
      const out = await get(path);
      assert.equal(out.status, 401);
      assert.equal(((await out.json()) as ErrorReply).error.code, ErrorCode.Unauthenticated);
      const other = await get(path, someone.cookie);
      assert.equal(other.status, 403);
      assert.equal(((await other.json()) as ErrorReply).error.code, ErrorCode.NotOperator);
    });
  }

  it("gives an operator (named in any case) each iOS version's counts and rate", async () => {
    const res = await get('/api/quality?by=ios-version&since=7d&compare=18.4.1,18.3.2', operatorCookie);
    assert.equal(res.status, 200);
    const report = QualityReportSchema.parse(await res.json());
    assert.deepEqual(
      report.rows.map((r) => [r.key, r.calls, r.twoWay, r.oneWayE2c, r.oneWayRate]),
      [
        ['18.3.2', 1, 1, 0, 0],
        ['18.4.1', 2, 1, 1, 0.5],
      ],
    );
    assert.equal(report.comparison?.difference, 0.5);
    const platform = QualityReportSchema.parse(
      await (await get('/api/quality?by=platform', operatorCookie)).json(),
    );
    assert.deepEqual(
      platform.rows.map((r) => [r.key, r.calls, r.noAudio]),
      [
        ['browser', 4, 1],
        ['ios-shell', 3, 0],
      ],
    );
  });

  it('lists the recent one-way calls with the iPhone hint', async () => {
    const res = await get('/api/quality/recent-one-way', operatorCookie);
    assert.equal(res.status, 200);
    const { calls } = RecentOneWayReplySchema.parse(await res.json());
    assert.deepEqual(
      calls.map((c) => c.callId),
      ['q2'],
    );
    assert.match(calls[0]?.hint ?? '', /didActivate missing/);
  });

  it('says which option is wrong', async () => {
    const res = await get('/api/quality?by=country', operatorCookie);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as ErrorReply).error.message, /^by: /);
    const since = await get('/api/quality?by=day&since=last-week', operatorCookie);
    assert.match(((await since.json()) as ErrorReply).error.message, /^since: epoch milliseconds, or a span/);
  });
});
