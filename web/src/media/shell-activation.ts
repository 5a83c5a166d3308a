/**
 * The audio-activation step inside the iOS shell: CallKit's `didActivate`, relayed as
 * `audio.activated`, is the only thing that lets capture start. If the shell reports that it never
 * came (`audio.activation-failed`), the step fails with {@link AudioNotActivatedError} and the call
 * is flagged: the shell never activates audio itself (docs/callkit-decision-table.md, A3–A4).
 */
import type { CallId } from '@softphone/sfu/protocol';
import type { AudioActivation } from './audio-activation.ts';
import type { ShellBridge } from './shell-bridge.ts';

export class AudioNotActivatedError extends Error {
  constructor(readonly waitedMs: number) {
    super(`CallKit did not activate audio within ${waitedMs} ms`);
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export class ShellAudioActivation implements AudioActivation {
  /** Calls whose audio session CallKit has activated and not deactivated since. */
  private readonly active = new Set<CallId>();
  private readonly waiters = new Map<CallId, Waiter[]>();

  constructor(bridge: ShellBridge) {
    bridge.on('audio.activated', ({ callId }) => {
      this.active.add(callId);
      this.settle(callId, (w) => w.resolve());
    });
    bridge.on('audio.deactivated', ({ callId }) => this.active.delete(callId));
    // A page that has just loaded missed the `audio.activated` of a call answered meanwhile.
    bridge.on('shell.state', ({ calls }) => {
      for (const c of calls.filter((x) => x.audioActive)) {
        this.active.add(c.callId);
        this.settle(c.callId, (w) => w.resolve());
      }
    });
    bridge.on('audio.activation-failed', ({ callId, waitedMs }) =>
      this.settle(callId, (w) => w.reject(new AudioNotActivatedError(waitedMs))),
    );
    bridge.on('callkit.ended', ({ callId }) => {
      this.active.delete(callId);
      this.settle(callId, (w) => w.reject(new Error('the call ended before audio was activated')));
    });
  }

  activated(callId: CallId): Promise<void> {
    if (this.active.has(callId)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.set(callId, [...(this.waiters.get(callId) ?? []), { resolve, reject }]);
    });
  }

  private settle(callId: CallId, how: (w: Waiter) => void): void {
    const waiting = this.waiters.get(callId) ?? [];
    this.waiters.delete(callId);
    waiting.forEach(how);
  }
}
