/**
 * The ringtone and the ringback as the phone state asks for them ({@link ringSoundOf}): a player
 * made at the first ring and told what to play. Loaded once signed in (phone.ts).
 */
import { ringSoundOf, type PhoneState, type RingSound } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

/** The Web Audio player ({@link ../media/ringer.ts}), or a stand-in. */
export interface RingPlayer {
  play(sound: RingSound): void;
  stop(): void;
  /** The output the user chose for calls ('' for the default). */
  setOutput(deviceId: string): void;
}

/**
 * Makes the player (loading it: it is not part of what the page loads before it is interactive),
 * told whether the browser keeps its context suspended until a gesture (autoplay rules).
 */
export type OpenRingPlayer = (blocked: (blocked: boolean) => void) => Promise<RingPlayer>;

/**
 * Plays {@link ringSoundOf} the state as it changes, and records in the state whether the browser
 * blocks it. The player is opened at the first ring (an AudioContext made before any gesture only
 * earns a console warning). Not made at all where something else rings (the iOS shell: CallKit).
 */
export class RingController {
  /** Every instruction goes through it, so they reach the player in order (null: it failed to load). */
  private player: Promise<RingPlayer | null> | null = null;
  private sound: RingSound | null = null;

  constructor(
    private readonly store: StateStore<PhoneState>,
    private readonly open: OpenRingPlayer,
  ) {
    store.subscribe((s, prev) => this.follow(s, prev));
  }

  private follow(s: PhoneState, prev: PhoneState): void {
    if (s.outputId !== prev.outputId) this.use((p) => p.setOutput(s.outputId));
    const sound = ringSoundOf(s);
    if (sound === this.sound) return;
    this.sound = sound;
    if (!sound) {
      this.use((p) => p.stop());
      // Not from inside the store's notification of this change: after it.
      queueMicrotask(() => this.store.set({ soundBlocked: false }));
      return;
    }
    this.player ??= this.open((blocked) =>
      this.store.set({ soundBlocked: blocked && this.sound !== null }),
    ).then(
      (p) => {
        p.setOutput(s.outputId);
        return p;
      },
      (err: unknown) => {
        console.warn('the ringer did not load', err);
        return null;
      },
    );
    this.use((p) => p.play(sound));
  }

  /** Once loaded, at once: a microtask after the state change that asked. */
  private use(instruction: (p: RingPlayer) => void): void {
    void this.player?.then((p) => p && instruction(p));
  }
}
