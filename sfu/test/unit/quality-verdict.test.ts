/** A call's verdict, outcome and network path for its quality record (issue 21). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { EndReason, outcomeOf, pathKind, verdictOf } from '../../src/protocol/index.ts';

const heard = { heard: true };
const silent = { heard: false };

it('names the silent direction: c2e is what the callee hears, e2c what the caller hears', () => {
  assert.equal(verdictOf(true, heard, heard), 'two-way');
  assert.equal(verdictOf(true, silent, heard), 'one-way-c2e-silent');
  assert.equal(verdictOf(true, heard, silent), 'one-way-e2c-silent');
  assert.equal(verdictOf(true, silent, silent), 'no-audio');
  assert.equal(verdictOf(false, heard, heard), 'not-answered', 'early media is not a call');
});

it('an unanswered call failed when the system ended it, and was missed when people did', () => {
  assert.equal(outcomeOf(true, EndReason.MediaLost), 'answered');
  for (const r of [EndReason.NoAnswer, EndReason.Declined, EndReason.Busy, EndReason.Cancelled])
    assert.equal(outcomeOf(false, r), 'missed', r);
  for (const r of [EndReason.MediaFailed, EndReason.AnswerFailed, EndReason.ServerLost])
    assert.equal(outcomeOf(false, r), 'failed', r);
});

it("a path is the local candidate's type, a relay's by the protocol to the relay", () => {
  const p = { remote: 'host', protocol: 'udp' } as const;
  assert.equal(pathKind({ ...p, local: 'srflx', relayProtocol: null }), 'srflx');
  assert.equal(pathKind({ ...p, local: 'relay', relayProtocol: 'tls' }), 'relay-tls');
  assert.equal(pathKind({ ...p, local: 'relay', relayProtocol: 'tcp' }), 'relay-tcp');
});
