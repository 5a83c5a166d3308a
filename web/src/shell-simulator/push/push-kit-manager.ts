/**
 * Models `ios-shell/Shell/Push/PushKitManager.swift`: the VoIP token this install was given, and
 * each incoming push decided from its payload (the P rows, {@link decidePush}) and handed to CallKit
 * before the delegate returns (S1).
 */
import type { CallKitSimulator } from '../callkit-simulator.ts';
import type { CallRegistry } from '../calls/call-registry.ts';
import { decidePush, type PushDecision } from '../decision-table.ts';

/** What PushKit gave this simulated install: the token the APNs stand-in delivers to. */
export interface SimulatedVoipToken {
  token: string;
  bundleId: string;
}

/** `IncomingCallReporting` in PushKitManager.swift: CallKitAdaptee reports what the push decided. */
export interface IncomingCallReporting {
  reportIncoming(decision: PushDecision): void;
}

/** `onTokenChanged` / `onTokenInvalidated` in PushKitManager.swift. */
export interface PushTokenEvents {
  /** The page registers it with the server. */
  tokenChanged(token: SimulatedVoipToken): void;
  /** The shell's own socket unregisters this one token. */
  tokenInvalidated(lastToken: string): void;
}

export class PushKitManager {
  constructor(
    private readonly system: CallKitSimulator,
    private readonly registry: CallRegistry,
    private readonly reporter: IncomingCallReporting,
    private current: SimulatedVoipToken | null,
    private readonly events: PushTokenEvents,
  ) {}

  get token(): SimulatedVoipToken | null {
    return this.current;
  }

  /** `didInvalidatePushTokenFor`, then `didUpdate` with the new token. */
  rotate(token: string): void {
    const last = this.current;
    if (!last) return;
    this.current = { ...last, token };
    this.system.log('voip-token-invalidated', undefined, last.token.slice(-8));
    this.events.tokenInvalidated(last.token);
    this.system.log('voip-token-updated', undefined, token.slice(-8));
    this.events.tokenChanged(this.current);
  }

  didReceiveIncomingPush(payload: unknown, mustReport: boolean): void {
    const d = decidePush(payload, {
      now: Date.now(),
      isLive: (id) => this.registry.has(id),
      wasEndedRecently: (id) => this.registry.wasEndedRecently(id),
      protectedDataAvailable: !this.system.beforeFirstUnlock,
      mustReport,
    });
    this.system.log(
      'push-decision',
      d.kind === 'ring' ? d.payload.callId : 'callId' in d ? (d.callId ?? undefined) : undefined,
      `${d.row} ${d.kind}`,
    );
    this.reporter.reportIncoming(d);
  }
}
