import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capturedBeforeActivation, CaptureWatch } from '../src/debug/capture-watch.ts';

describe('capture watch', () => {
  it("records when audio is asked for, and passes the call on to the browser's getUserMedia", async () => {
    const asked: (MediaStreamConstraints | undefined)[] = [];
    const devices = {
      getUserMedia: (c?: MediaStreamConstraints) => {
        asked.push(c);
        return Promise.resolve({ id: 'stream' } as MediaStream);
      },
    } as MediaDevices;
    let clock = 1_000;
    const watch = new CaptureWatch(devices, () => clock);
    assert.deepEqual(await devices.getUserMedia({ audio: true }), { id: 'stream' });
    clock = 2_000;
    await devices.getUserMedia({ video: true });
    clock = 3_000;
    await devices.getUserMedia({ audio: { echoCancellation: true } });
    assert.equal(asked.length, 3);
    assert.deepEqual(watch.since(0), [1_000, 3_000], 'video alone is not audio capture');
    assert.deepEqual(watch.since(1_500), [3_000]);
  });
});

describe('capturedBeforeActivation', () => {
  it('compares the first capture with the activation mark', () => {
    assert.equal(capturedBeforeActivation([], 500), false, 'no capture');
    assert.equal(capturedBeforeActivation([], undefined), false, 'no capture, no activation');
    assert.equal(capturedBeforeActivation([600, 900], 500), false, 'after activation');
    assert.equal(capturedBeforeActivation([500], 500), false, 'in the same millisecond, after the mark');
    assert.equal(capturedBeforeActivation([900, 400], 500), true, 'the first capture is what counts');
    assert.equal(capturedBeforeActivation([400], undefined), true, 'capture with no activation at all');
  });
});
