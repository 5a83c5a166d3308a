/**
 * The short fuzz run (`npm run fuzz` is the long one): 2 000 malformed, oversized, out-of-order and
 * unauthorised messages from 10 clients against the real server, while two other clients place
 * calls (signalling level: media needs the SFU, which is being replaced).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCallProbe } from '../../fuzz/call-probe.ts';
import { fuzz } from '../../fuzz/fuzzer.ts';
import { sampleRss } from '../../fuzz/rss.ts';
import { startServerProcess, type ServerProcess } from '../../fuzz/server-process.ts';

describe('fuzz (short)', { timeout: 180_000 }, () => {
  let s: ServerProcess;
  before(async () => {
    s = await startServerProcess({ env: { TRUST_PROXY: 'loopback' } });
  });
  after(async () => s.stop());

  it('answers every bad message with a typed error or a closed connection, stays up, and calls go on', async () => {
    const rss = sampleRss(s, 250);
    const probe = await startCallProbe(s.url);
    const report = await fuzz({ url: s.url, messages: 2_000, clients: 10 });
    const calls = await probe.stop();
    const memory = rss.stop();

    assert.equal(s.exit(), null, `the server died:\n${s.output()}`);
    assert.equal(report.unanswered, 0, report.examples.join('\n'));
    assert.equal(report.untyped, 0, report.examples.join('\n'));
    assert.ok(report.sent >= 2_000);
    const typed = Object.values(report.answers).reduce((a, b) => a + b, 0);
    assert.equal(typed + report.closed, report.sent, 'each message has exactly one outcome');
    assert.ok(
      report.answers['invalid-payload'] &&
        report.answers['unknown-event'] &&
        report.answers['call-not-found'],
    );
    assert.ok(report.closed > 0, 'unreadable frames and refused handshakes close the connection');
    assert.deepEqual(calls.failures, []);
    assert.ok(calls.durationsMs.length > 0, 'at least one probe call completed during the fuzz');
    // Generous: scrypt (32 MiB a hash, four at once) and V8 warming up move RSS more than a leak
    // of 2 000 messages could; the long run's figures are the real measure.
    assert.ok(memory.endKiB < memory.startKiB + 256 * 1024, `RSS ${memory.startKiB} → ${memory.endKiB} KiB`);
  });
});
