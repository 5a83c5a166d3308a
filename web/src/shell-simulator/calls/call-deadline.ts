/**
 * Models `ios-shell/Shell/Calls/CallDeadline.swift`: one deadline per call (here the activation
 * watchdog). Re-arming replaces the earlier deadline for the same call.
 */
export class CallDeadline {
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly timeoutMs: () => number) {}

  /** `onMissing` gets how long it actually waited, as the watchdog reports it. */
  arm(callId: string, onMissing: (waitedMs: number) => void): void {
    this.disarm(callId);
    const armedAt = Date.now();
    this.pending.set(
      callId,
      setTimeout(() => {
        this.pending.delete(callId);
        onMissing(Date.now() - armedAt);
      }, this.timeoutMs()),
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
