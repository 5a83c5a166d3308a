/**
 * Calls that reach a page through a push, in Node against the real server: the callee's browser
 * subscribed to Web Push and closed; the caller's invite wakes it (a push-service stand-in takes the
 * push); the relaunched page takes the call it was launched for and claims it from the server.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EndReason, type CallId } from '@softphone/sfu/protocol';
import { startTestServer, type TestServer } from '@softphone/sfu/testing';
import { nodePhone, PushServiceStandIn, type NodePhone } from './node-phone.ts';

let server: TestServer;
const pushService = new PushServiceStandIn();
const phones: NodePhone[] = [];
before(async () => {
  await pushService.start();
  server = await startTestServer({
    push: { reportTimeoutMs: 8_000, webPushTestOrigins: [pushService.origin] },
  });
});
after(async () => {
  for (const p of phones) p.close();
  await server.stop();
  await pushService.stop();
});

const PASSWORD = 'correct horse battery';

async function connected(p: NodePhone) {
  const s = await p.until((st) => st.connection === 'connected' && st.self !== null, 'connected');
  return s.self ?? assert.fail('no self');
}

/** Ann online; Bob subscribed to call notifications, his page closed. */
async function bobAsleep() {
  const ann = nodePhone(server);
  const bob = nodePhone(server, { pushService });
  phones.push(ann, bob);
  await ann.phone.session.signUp(`u${crypto.randomBytes(5).toString('hex')}`, PASSWORD, 'Ann');
  await bob.phone.session.signUp(`u${crypto.randomBytes(5).toString('hex')}`, PASSWORD, 'Bob');
  const [annSelf, bobSelf] = await Promise.all([connected(ann), connected(bob)]);
  await bob.phone.push.enableCallNotifications();
  assert.equal(bob.phone.state.callNotifications, 'on');
  bob.close();
  await ann.until((s) => s.asleep.some((u) => u.id === bobSelf.id), 'seeing Bob as wakeable');
  return { ann, bob, annSelf, bobSelf };
}

/** The caller dials; the callee's browser is pushed the call its page will be launched for. */
async function pushedCall(ann: NodePhone, to: string): Promise<CallId> {
  void ann.phone.calls.invite(to);
  const s = await ann.until((st) => st.call?.id != null, 'the invite acknowledged');
  const callId = s.call?.id as CallId;
  await pushService.received(callId);
  return callId;
}

/** Bob's browser opens the page again (same cookie, same device). */
function relaunch(bob: NodePhone) {
  const page = nodePhone(server, { sameBrowserAs: bob, pushService });
  phones.push(page);
  return page;
}

describe('a push-launched call', () => {
  it('answered from the notification: the relaunched page claims the call and answers it', async () => {
    const { ann, bob, annSelf, bobSelf } = await bobAsleep();
    const callId = await pushedCall(ann, bobSelf.id);
    const page = relaunch(bob);
    await page.phone.calls.takeLaunch({ callId, action: 'answer' });
    await page.phone.session.restore();
    const s = await page.until((st) => st.call?.audio === 'active', 'in the launched call');
    assert.equal(s.call?.id, callId);
    assert.equal(s.call?.peer.id, annSelf.id);
    assert.deepEqual(page.engine(callId).calls, ['prepare', 'start']);
    await ann.until((st) => st.call?.answeredAt != null && st.call.audio === 'active', 'answered (caller)');
    await ann.phone.calls.hangup();
    await page.until((st) => st.ended?.reason === EndReason.HungUp, 'ended');
  });

  it('an answer on CallKit while the page is still claiming the call is kept and carried out', async () => {
    const { ann, bob, bobSelf } = await bobAsleep();
    const callId = await pushedCall(ann, bobSelf.id);
    const page = relaunch(bob);
    // The push rang CallKit ("show"); the user answers there before the page has the call.
    void page.phone.calls.takeLaunch({ callId, action: 'show' });
    await page.phone.calls.answer(callId);
    assert.equal(page.phone.state.call, null);
    await page.phone.session.restore();
    const s = await page.until((st) => st.call?.answeredAt != null, 'answered once claimed');
    assert.equal(s.call?.id, callId);
    await ann.until((st) => st.call?.answeredAt != null, 'answered (caller)');
    await ann.phone.calls.hangup();
    await page.until((st) => st.call === null, 'ended');
  });

  it('declined from the notification: the caller hears it declined', async () => {
    const { ann, bob, bobSelf } = await bobAsleep();
    const callId = await pushedCall(ann, bobSelf.id);
    const page = relaunch(bob);
    await page.phone.calls.takeLaunch({ callId, action: 'decline' });
    await page.phone.session.restore();
    const annEnded = await ann.until((st) => st.ended !== null, 'ended (caller)');
    assert.deepEqual([annEnded.ended?.reason, annEnded.ended?.by], [EndReason.Declined, 'peer']);
    const pageEnded = await page.until((st) => st.ended !== null, 'ended (callee)');
    assert.equal(pageEnded.ended?.message, 'You declined the call');
    assert.deepEqual(page.engine(callId).calls, ['prepare', 'stop']);
  });

  it('a call that ended before the page could claim it is reported gone, and never rings', async () => {
    const { ann, bob, bobSelf } = await bobAsleep();
    const callId = await pushedCall(ann, bobSelf.id);
    await ann.phone.calls.hangup();
    await ann.until((st) => st.call === null, 'cancelled');
    const page = relaunch(bob);
    const gone = new Promise<CallId>((r) => void page.phone.calls.takeLaunch({ callId, action: 'show' }, r));
    await page.phone.session.restore();
    assert.equal(await gone, callId);
    assert.equal(page.phone.state.call, null);
    assert.match(page.phone.state.notice ?? '', /no longer available/);
    assert.equal(page.engines.length, 0);
  });
});
