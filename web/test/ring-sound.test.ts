import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState } from '@softphone/sfu/protocol';
import {
  initialPhoneState,
  newCall,
  ringSoundOf,
  type ActiveCall,
  type PhoneState,
} from '../src/call/phone-state.ts';
import { RingController, type RingPlayer } from '../src/call/ring-sound.ts';
import { StateStore } from '../src/call/state-store.ts';

const peer = { id: '00000000-0000-4000-8000-000000000002', displayName: 'Bob' };
const call: ActiveCall = newCall('outgoing', peer, null);

describe('what the page sounds before an answer', () => {
  it('rings back only once a callee device rings, and stops when the callee answers', () => {
    assert.equal(ringSoundOf({ call }), null);
    assert.equal(ringSoundOf({ call: { ...call, state: CallState.Ringing } }), 'ringback');
    assert.equal(ringSoundOf({ call: { ...call, state: CallState.Answered, answeredAt: 1 } }), null);
  });

  it('rings an incoming call until it is answered here', () => {
    const incoming = { ...call, direction: 'incoming' as const, state: CallState.Ringing };
    assert.equal(ringSoundOf({ call: incoming }), 'ringtone');
    // Answering sets answeredAt before the server confirms: the ringing stops on the click.
    assert.equal(ringSoundOf({ call: { ...incoming, answeredAt: 1 } }), null);
  });

  it('is silent with no call: declined, cancelled, answered elsewhere and ended calls all leave none', () => {
    assert.equal(ringSoundOf({ call: null }), null);
  });
});

describe('the ring controller', () => {
  /** Web Audio does not run in Node: a player that records what it was told (the e2e plays for real). */
  function setUp() {
    const store = new StateStore<PhoneState>(initialPhoneState);
    const told: string[] = [];
    let blocked: (b: boolean) => void = () => undefined;
    let opened = 0;
    const player: RingPlayer = {
      play: (sound) => told.push(`play ${sound}`),
      stop: () => told.push('stop'),
      setOutput: (id) => told.push(`output ${id}`),
    };
    new RingController(store, (b) => {
      opened++;
      blocked = b;
      return Promise.resolve(player);
    });
    return { store, told, blocked: (b: boolean) => blocked(b), opened: () => opened };
  }
  const incoming = { ...call, direction: 'incoming' as const, state: CallState.Ringing };

  it('opens the player at the first ring on the chosen output, and plays and stops as the state says', async () => {
    const { store, told, opened } = setUp();
    store.set({ outputId: 'headset' });
    assert.equal(opened(), 0, 'no AudioContext before anything rings');
    store.set({ call: incoming });
    store.set({ call: { ...incoming, answeredAt: 1 } });
    store.set({ outputId: 'speakers' });
    store.set({ call: null });
    store.set({ call: { ...call, state: CallState.Ringing } });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(told, ['output headset', 'play ringtone', 'stop', 'output speakers', 'play ringback']);
    assert.equal(opened(), 1);
  });

  it('says the sound is blocked only while something should ring', async () => {
    const { store, blocked } = setUp();
    store.set({ call: incoming });
    await new Promise((r) => setImmediate(r));
    blocked(true);
    assert.equal(store.state.soundBlocked, true);
    store.set({ call: null });
    await Promise.resolve();
    assert.equal(store.state.soundBlocked, false);
    blocked(true);
    assert.equal(store.state.soundBlocked, false, 'a late report after the ringing stopped');
  });
});
