/**
 * Models `ios-shell/Shell/Calls/CallDeadline.swift`: one deadline per call (the activation watchdog,
 * the ring timeout). Re-arming replaces the earlier deadline for the same call.
 */
import { SHELL_POLICY } from '../shell-policy.ts';

/** `CallDeadline.ringTimeout(noAnswerTimeoutMs:)`: how long the shell lets a call ring. */
export function ringTimeoutMs(noAnswerTimeoutMs: number): number {
  return noAnswerTimeoutMs + SHELL_POLICY.ringMarginMs.value;
}

export class CallDeadline {
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly timeoutMs: () => number) {}

  /** `onMissing` gets how long it actually waited, as the watchdog reports it; `afterMs` overrides the timeout. */
  arm(callId: string, onMissing: (waitedMs: number) => void, afterMs = this.timeoutMs()): void {
    this.disarm(callId);
    const armedAt = Date.now();
    this.pending.set(
      callId,
      setTimeout(
        () => {
          this.pending.delete(callId);
          onMissing(Date.now() - armedAt);
        },
        Math.max(0, afterMs),
      ),
    );
  }

  disarm(callId: string): void {
    clearTimeout(this.pending.get(callId));
    this.pending.delete(callId);
  }

  disarmAll(): void {
    for (const id of [...this.pending.keys()]) this.disarm(id);
  }
}
