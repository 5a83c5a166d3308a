/**
 * The push rows (P1–P6) of docs/callkit-decision-table.md: what the shell's PushKit delegate does
 * with one VoIP push, decided from the payload alone. The same pure function as Swift's
 * `PushDecision.decide` (ios-shell/Shell/Push/VoIPPushPayload.swift); both are tested row by row.
 */
import { VoipPushPayloadSchema, type VoipPushPayload } from '@softphone/sfu/protocol';

/** CallKit's `CXCallEndedReason` values the push path uses. */
export type ReportedEndReason = 'failed' | 'remote-ended';

export type PushDecision =
  | { row: 'P6'; kind: 'ring'; payload: VoipPushPayload }
  | { row: 'P2'; kind: 'report-duplicate'; callId: string }
  | {
      row: 'P1' | 'P3' | 'P4' | 'P5';
      kind: 'report-then-end';
      callId: string | null;
      reason: ReportedEndReason;
      why: string;
    }
  | { row: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'; kind: 'drop'; why: string };

export interface PushContext {
  /** Epoch ms. */
  now: number;
  isLive(callId: string): boolean;
  wasEndedRecently(callId: string): boolean;
  /** `UIApplication.isProtectedDataAvailable`: false before the first unlock after a reboot. */
  protectedDataAvailable: boolean;
  /** iOS 26.4's `PKVoIPPushMetadata.mustReport`; true from the classic delegate. */
  mustReport: boolean;
}

export function decidePush(raw: unknown, ctx: PushContext): PushDecision {
  const parsed = VoipPushPayloadSchema.safeParse(raw);
  const endOrDrop = (
    row: 'P1' | 'P3' | 'P4' | 'P5',
    callId: string | null,
    reason: ReportedEndReason,
    why: string,
  ): PushDecision =>
    ctx.mustReport ? { row, kind: 'report-then-end', callId, reason, why } : { row, kind: 'drop', why };
  if (!parsed.success) return endOrDrop('P1', null, 'failed', 'undecodable payload');
  const payload = parsed.data;
  const id = payload.callId;
  if (ctx.isLive(id)) {
    return ctx.mustReport
      ? { row: 'P2', kind: 'report-duplicate', callId: id }
      : { row: 'P2', kind: 'drop', why: 'duplicate of a live call' };
  }
  if (ctx.wasEndedRecently(id)) return endOrDrop('P3', id, 'remote-ended', 'call already ended');
  if (payload.expiresAt <= ctx.now) return endOrDrop('P4', id, 'remote-ended', 'stale push');
  if (!ctx.protectedDataAvailable) {
    return endOrDrop('P5', id, 'failed', 'protected data unavailable (before first unlock)');
  }
  return { row: 'P6', kind: 'ring', payload };
}
