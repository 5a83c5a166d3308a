/**
 * Models `ios-shell/Shell/Media/IceRecovery.swift`: `IceRecovery` (one leg's decisions, pure) and
 * `IceRecoveryDriver` (a call's legs run against a clock). Not the page's policy
 * (web/src/media/ice-recovery.ts): the shell's restarts are SDP restarts on the SDP edge, each given
 * a heal deadline, and only passed deadlines give up.
 */
import type { MediaLeg } from '@softphone/sfu/protocol';
import { SHELL_POLICY } from '../shell-policy.ts';

/**
 * IceRecovery.swift's constants, in ms: `disconnectedGrace`, `healDeadline`, `maxAttempts`, from the
 * policy table (checked against the Swift). The call ends no sooner than
 * `disconnectedGraceMs + maxAttempts × healDeadlineMs` after a leg dropped.
 */
export const SHELL_ICE_RECOVERY = {
  disconnectedGraceMs: SHELL_POLICY.iceDisconnectedGraceMs.value,
  healDeadlineMs: SHELL_POLICY.iceHealDeadlineMs.value,
  maxAttempts: SHELL_POLICY.iceMaxAttempts.value,
} as const;

export type RecoveryEvent =
  | 'connected'
  | 'disconnected'
  | 'failed'
  | 'network-changed'
  | 'grace-expired'
  /** A restart's heal deadline passed without `connected`. */
  | 'restart-failed';

export type RecoveryAction =
  | { kind: 'none' }
  | { kind: 'wait-grace'; ms: number }
  | { kind: 'restart'; attempt: number; healWithinMs: number }
  | { kind: 'give-up' };

/** One leg's decisions, as IceRecovery.swift's `handle(_:)`. */
export class IceRecovery {
  attempts = 0;
  restarting = false;
  everConnected = false;

  handle(event: RecoveryEvent): RecoveryAction {
    switch (event) {
      case 'connected':
        this.attempts = 0;
        this.restarting = false;
        this.everConnected = true;
        return { kind: 'none' };
      case 'disconnected':
        return this.restarting
          ? { kind: 'none' }
          : { kind: 'wait-grace', ms: SHELL_ICE_RECOVERY.disconnectedGraceMs };
      case 'network-changed':
        return this.restarting || !this.everConnected ? { kind: 'none' } : this.restart();
      case 'grace-expired':
      case 'failed':
        return this.restarting ? { kind: 'none' } : this.restart();
      case 'restart-failed':
        this.restarting = false;
        return this.restart();
    }
  }

  private restart(): RecoveryAction {
    if (this.attempts >= SHELL_ICE_RECOVERY.maxAttempts) return { kind: 'give-up' };
    this.attempts += 1;
    this.restarting = true;
    return { kind: 'restart', attempt: this.attempts, healWithinMs: SHELL_ICE_RECOVERY.healDeadlineMs };
  }
}

/** A call's recovery, as IceRecoveryDriver (IceRecovery.swift): the timers each decision asks for. */
export class IceRecoveryDriver {
  private readonly recovery: Record<MediaLeg, IceRecovery> = {
    publisher: new IceRecovery(),
    subscriber: new IceRecovery(),
  };
  /** A leg's grace or heal deadline: never both. */
  private readonly timers = new Map<MediaLeg, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly on: {
      restart(leg: MediaLeg, attempt: number, after: RecoveryEvent): void;
      giveUp(leg: MediaLeg): void;
    },
  ) {}

  get restarting(): boolean {
    return this.recovery.publisher.restarting || this.recovery.subscriber.restarting;
  }

  handle(event: RecoveryEvent, leg: MediaLeg): void {
    const action = this.recovery[leg].handle(event);
    if (event === 'connected') this.cancel(leg);
    switch (action.kind) {
      case 'none':
        break;
      case 'wait-grace':
        this.arm(leg, action.ms, 'grace-expired');
        break;
      case 'restart':
        this.arm(leg, action.healWithinMs, 'restart-failed');
        this.on.restart(leg, action.attempt, event);
        break;
      case 'give-up':
        this.cancel(leg);
        this.on.giveUp(leg);
        break;
    }
  }

  /** The legs are gone: nothing fires any more. */
  reset(): void {
    for (const leg of [...this.timers.keys()]) this.cancel(leg);
  }

  private arm(leg: MediaLeg, ms: number, then: RecoveryEvent): void {
    this.cancel(leg);
    this.timers.set(
      leg,
      setTimeout(() => {
        this.timers.delete(leg);
        this.handle(then, leg);
      }, ms),
    );
  }

  private cancel(leg: MediaLeg): void {
    clearTimeout(this.timers.get(leg));
    this.timers.delete(leg);
  }
}
