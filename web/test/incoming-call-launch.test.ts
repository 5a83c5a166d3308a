import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VoipPushPayload } from '@softphone/sfu/protocol';
import {
  callOfNotification,
  launchFromMessage,
  launchFromUrl,
  launchMessage,
  launchUrl,
  notificationFor,
  parseWebPush,
} from '../src/push/incoming-call-launch.ts';

const callId = '0b1d7f0e-6a43-4c8e-9d55-2f6b0e9a1c11';
const call: VoipPushPayload = {
  v: 1,
  callId,
  caller: { id: '5e0c7a52-51f3-4c1e-8f7a-0d6b4e2c9a10', handle: 'alice', displayName: 'Alice Martin' },
  sentAt: 1_000,
  expiresAt: 31_000,
  ringTimeoutMs: 30_000,
};

describe('incoming-call Web Push', () => {
  it('decodes the two messages the server sends and drops anything else', () => {
    assert.deepEqual(parseWebPush(JSON.stringify({ kind: 'incoming-call', call })), {
      kind: 'incoming-call',
      call,
    });
    assert.deepEqual(parseWebPush(JSON.stringify({ kind: 'call-ended', callId })), {
      kind: 'call-ended',
      callId,
    });
    assert.equal(parseWebPush('not json'), null);
    assert.equal(
      parseWebPush(JSON.stringify({ kind: 'incoming-call', call: { ...call, callId: 'x' } })),
      null,
    );
    assert.equal(parseWebPush(JSON.stringify({ kind: 'marketing', text: 'hi' })), null);
  });

  it('rings with answer and decline while the call is live, tagged by call id', () => {
    const n = notificationFor(call, 5_000);
    assert.equal(n.title, 'Alice Martin is calling');
    assert.equal(n.options.tag, callId);
    assert.equal(n.options.requireInteraction, true);
    assert.deepEqual(
      n.options.actions?.map((a) => a.action),
      ['answer', 'decline'],
    );
    assert.deepEqual(callOfNotification(n.options.data), call);
  });

  it('shows a push that arrives after the call expired as missed, with nothing to answer', () => {
    const n = notificationFor(call, 31_000);
    assert.equal(n.title, 'Missed call from Alice Martin');
    assert.equal(n.options.actions, undefined);
    assert.equal(n.options.requireInteraction, undefined);
  });

  it('carries the choice to the page by URL and by message, and reads back only valid ones', () => {
    const url = launchUrl('http://127.0.0.1:8080', callId, 'answer');
    assert.deepEqual(launchFromUrl(url), { callId, action: 'answer' });
    assert.deepEqual(launchFromUrl(`http://h/?call=${callId}`), { callId, action: 'show' });
    assert.equal(launchFromUrl('http://h/?call=nope&action=answer'), null);
    assert.equal(launchFromUrl(`http://h/?call=${callId}&action=explode`), null);
    assert.equal(launchFromUrl('http://h/'), null);
    assert.deepEqual(launchFromMessage(launchMessage(callId, 'decline')), { callId, action: 'decline' });
    assert.equal(launchFromMessage({ type: 'something-else' }), null);
  });
});
