/**
 * When a leg whose transport dropped gets an ICE restart, and when the call is given up. A network
 * blip (Wi-Fi to cellular, a tunnel, a NAT rebinding) shows as `disconnected`, which often heals by
 * itself within a second or two; `failed` never does. Pure: the engine feeds it states and time.
 *
 * An ICE restart goes to the server over the signalling socket. While that socket is down too (a
 * handover takes both paths) nothing is asked for and nothing is given up: the call's fate is then
 * the signalling's reconnect grace. Once the socket is back, a leg still down restarts at once and
 * the deadline counts on from where it stood when the socket went.
 */
export interface RecoveryPolicy {
  /** How long a `disconnected` leg may heal on its own before we restart ICE. */
  graceMs: number;
  /** How long one restart may take before another is tried. */
  retryMs: number;
  /** From the first loss: past this, the call ends (its media can't recover). */
  deadlineMs: number;
}

export const RECOVERY_POLICY: RecoveryPolicy = { graceMs: 2_000, retryMs: 5_000, deadlineMs: 20_000 };

export type RecoveryStep = 'healthy' | 'wait' | 'restart' | 'give-up';

export class IceRecovery {
  private lostAt: number | null = null;
  private restartedAt: number | null = null;
  /** When the signalling went down while the leg was lost (its time does not count). */
  private offlineAt: number | null = null;

  constructor(private readonly policy: RecoveryPolicy = RECOVERY_POLICY) {}

  /** True between the first loss and recovery. */
  get recovering(): boolean {
    return this.lostAt !== null;
  }

  /**
   * What to do now, given the leg's ICE state and whether requests reach the server (`online`);
   * call on every state change and on a timer.
   */
  step(state: RTCIceConnectionState, now: number, online = true): RecoveryStep {
    if (state === 'connected' || state === 'completed') {
      this.lostAt = null;
      this.restartedAt = null;
      this.offlineAt = null;
      return 'healthy';
    }
    // Checking before any loss is the call setting up, not a loss.
    if (state === 'closed' || ((state === 'new' || state === 'checking') && this.lostAt === null))
      return 'healthy';
    this.lostAt ??= now;
    if (!online) {
      this.offlineAt ??= now;
      return 'wait';
    }
    if (this.offlineAt !== null) {
      // Back online: the restart asked for before (if any) was lost with the socket.
      this.lostAt += now - this.offlineAt;
      this.offlineAt = null;
      this.restartedAt = null;
      return this.restart(now);
    }
    if (now - this.lostAt >= this.policy.deadlineMs) return 'give-up';
    const patient =
      this.restartedAt !== null
        ? now - this.restartedAt < this.policy.retryMs
        : state === 'disconnected' && now - this.lostAt < this.policy.graceMs;
    if (patient) return 'wait';
    return this.restart(now);
  }

  private restart(now: number): RecoveryStep {
    this.restartedAt = now;
    return 'restart';
  }
}
