/**
 * Calling by username and calling back, through the page's controllers in Node against the real
 * server: the call names who the username is once the server says so, a call given up before its
 * ack does not ring on, refusals are in words, and the people of the latest calls come first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EndReason } from '@softphone/sfu/protocol';
import { startTestServer, type TestServer } from '@softphone/sfu/testing';
import { recentPeople } from '../../src/call/history-rows.ts';
import { signedUpPhone, type NodePhone } from './node-phone.ts';

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

describe('calling by username from the page', () => {
  it('rings someone not in any list, names them once the server says who it is, and they head the recent people', async () => {
    const ann = await signedUp('Ann');
    const bob = await signedUp('Bob');
    const dialing = ann.phone.calls.dial(` ${bob.username.toUpperCase()} `);
    assert.equal(
      ann.phone.state.call?.peer.displayName,
      bob.username.toUpperCase(),
      'named as typed meanwhile',
    );
    await dialing;
    assert.deepEqual(ann.phone.state.call?.peer, bob.self);
    await bob.until((s) => s.call?.direction === 'incoming' && s.call.id !== null, 'ringing');
    await bob.phone.calls.decline();
    await ann.until((s) => s.ended?.reason === EndReason.Declined, 'declined');
    // The call made them each other's contacts: Bob is listed online too.
    const after = await ann.until(
      (s) => s.history.length > 0 && s.users.length > 0,
      'history loaded after the call',
    );
    assert.deepEqual(recentPeople(after, 5), [{ peer: bob.self, presence: 'online' }]);
  });

  it('a call hung up before the server acknowledged it is ended on the server, not left ringing', async () => {
    const ann = await signedUp('Ann');
    const bob = await signedUp('Bob');
    const dialing = ann.phone.calls.dial(bob.username);
    await ann.phone.calls.hangup();
    await dialing;
    assert.equal(ann.phone.state.call, null);
    // Bob's device may have rung for an instant; the call it rang for is over.
    await bob.until(
      (s) => s.call === null && !server.server.calls.inCall(bob.self.id),
      'no live call',
      5_000,
    );
  });

  it('says in words that nobody has the username, or that it is your own', async () => {
    const ann = await signedUp('Ann');
    await ann.phone.calls.dial('nobody-at-all');
    assert.equal(ann.phone.state.notice, 'Nobody has the username “nobody-at-all”.');
    assert.equal(ann.phone.state.call, null);
    await ann.phone.calls.dial(ann.username);
    assert.equal(ann.phone.state.notice, 'That is your own username.');
  });

  it('calls back someone known only from the history', async () => {
    const ann = await signedUp('Ann');
    const bob = await signedUp('Bob');
    await ann.phone.calls.dial(bob.username);
    await bob.until((s) => s.call?.id != null, 'ringing');
    await ann.phone.calls.hangup();
    await ann.until((s) => s.history.some((e) => e.peer.id === bob.self.id), 'Bob in the history');
    ann.phone.calls.dismissEnded();
    await ann.phone.calls.invite(bob.self.id);
    assert.equal(ann.phone.state.call?.peer.id, bob.self.id);
    await bob.until((s) => s.call?.id != null && s.call.id === ann.phone.state.call?.id, 'ringing again');
    await ann.phone.calls.hangup();
  });
});
