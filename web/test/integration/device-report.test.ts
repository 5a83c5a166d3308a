/**
 * A page's device report (issue 21) through the real server into the call's quality record: what
 * the browser says it is, and the path its media takes, sent once the call is answered and again
 * when the path changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallId } from '@softphone/sfu/protocol';
import { startTestServer, type TestServer } from '@softphone/sfu/testing';
import { NODE_DEVICE, signedUpPhone, type NodePhone } from './node-phone.ts';

let server: TestServer;
const phones: NodePhone[] = [];
before(async () => {
  server = await startTestServer();
});
after(async () => {
  for (const p of phones) p.close();
  await server.stop();
});

const signedUp = (displayName: string) => signedUpPhone(server, phones, displayName);

describe("a page's device report", () => {
  it('lands in the call quality record: each side as it described itself, with its latest path', async () => {
    const ann = await signedUp('Ann');
    const bob = await signedUp('Bob');
    await ann.phone.session.addContact(bob.username);
    await ann.until((s) => s.users.some((u) => u.id === bob.self.id), 'seeing Bob');

    void ann.phone.calls.invite(bob.self.id);
    const incoming = await bob.until(
      (s) => s.call?.direction === 'incoming' && s.call.id !== null,
      'ringing',
    );
    const callId = incoming.call?.id as CallId;
    await ann.until((s) => s.call?.id === callId, 'the invite acknowledged');
    // Ann's media goes through TURN over TCP from the start; Bob's has no selected pair yet.
    ann.engine(callId).path = { local: 'relay', remote: 'host', relayProtocol: 'tcp', protocol: 'udp' };
    await ann.engine(callId).nextSample();
    await ann.engine(callId).nextSample();
    await bob.phone.calls.answer();
    await ann.until((s) => s.call?.audio === 'active', 'in call (caller)');
    await bob.until((s) => s.call?.audio === 'active', 'in call (callee)');

    // Bob's path is selected during the call: a second report replaces his first.
    const bobs = bob.engine(callId);
    bobs.path = { local: 'srflx', remote: 'host', relayProtocol: null, protocol: 'udp' };
    await bobs.nextSample();
    await bobs.nextSample();
    // Bob's hang-up follows his report on the same socket.
    await bob.phone.calls.hangup();
    await ann.until((s) => s.call === null && s.ended !== null, 'ended (caller)');

    await server.server.record.settled();
    const record = await server.server.quality.byCall(callId);
    assert.ok(record, 'a quality record');
    // A browser's record names pageFrozen only when it was (quality.repo.ts partyOf).
    assert.deepEqual(record.caller.report, { ...NODE_DEVICE, path: 'relay-tcp' });
    assert.deepEqual(record.callee.report, { ...NODE_DEVICE, path: 'srflx' });
    assert.equal(record.outcome, 'answered');
  });

  it('says the page was frozen: after the answer, a resume sends it at once; before, the answer carries it', async () => {
    const ann = await signedUp('Ann');
    const bob = await signedUp('Bob');
    await ann.phone.session.addContact(bob.username);
    await ann.until((s) => s.users.some((u) => u.id === bob.self.id), 'seeing Bob');

    void ann.phone.calls.invite(bob.self.id);
    const incoming = await bob.until(
      (s) => s.call?.direction === 'incoming' && s.call.id !== null,
      'ringing',
    );
    const callId = incoming.call?.id as CallId;
    // Bob's page frozen while it rang (a background tab), then running again before he answers.
    await bob.phone.calls.pageResumed();
    await bob.phone.calls.answer();
    await ann.until((s) => s.call?.audio === 'active', 'in call (caller)');
    // Ann's page frozen during the call: her report goes when it resumes, before her hang-up.
    await ann.phone.calls.pageResumed();
    await ann.phone.calls.hangup();
    await bob.until((s) => s.call === null && s.ended !== null, 'ended (callee)');

    await server.server.record.settled();
    const record = await server.server.quality.byCall(callId);
    assert.equal(record?.caller.report?.pageFrozen, true, 'the caller froze during the call');
    assert.equal(record?.callee.report?.pageFrozen, true, 'the callee froze before the answer');
  });
});
