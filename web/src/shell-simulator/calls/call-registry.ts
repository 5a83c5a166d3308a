/**
 * Models `ios-shell/Shell/Calls/CallRegistry.swift`: the calls the shell knows, shared by CallKit's
 * side (CallKitAdaptee) and the audio (CallAudioService), and the ended ones it still remembers.
 */
import type { CallKitEndReason, Peer } from '@softphone/sfu/protocol';
import { SHELL_POLICY } from '../shell-policy.ts';

export interface AppCall {
  id: string;
  direction: 'incoming' | 'outgoing';
  peer: Peer | null;
  fromPush: boolean;
  system: 'pending' | 'reported';
  /** As the shell's registry: an answer, or an outgoing call's start (it owns the audio from then). */
  answeredAt: number | null;
  /** Answered on either side: an incoming call's answer, the far end answering an outgoing one. */
  connectedAt: number | null;
  /** The page's hold (a media hold) and CallKit's (the system's). */
  heldByUser: boolean;
  systemHeld: boolean;
  muted: boolean;
  /** The page answered while the report was pending: performed once CallKit accepts it. */
  answerWhenReported: boolean;
  endWhenReported: CallKitEndReason | null;
}

/** How long an ended call id is remembered, so a late push for it is reported and ended (P3). */
const ENDED_MEMORY_MS = SHELL_POLICY.endedMemoryMs.value;

export class CallRegistry {
  private readonly calls = new Map<string, AppCall>();
  private readonly ended = new Map<string, number>();
  /** When each call was answered (either side), kept after the call: the rig reads it while the page is frozen. */
  private readonly answered = new Map<string, number>();

  get size(): number {
    return this.calls.size;
  }

  get(callId: string): AppCall | undefined {
    return this.calls.get(callId);
  }

  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  values(): AppCall[] {
    return [...this.calls.values()];
  }

  ids(): string[] {
    return [...this.calls.keys()];
  }

  insert(id: string, direction: AppCall['direction'], peer: Peer | null, fromPush: boolean): AppCall {
    const call: AppCall = {
      id,
      direction,
      peer,
      fromPush,
      system: 'pending',
      answeredAt: null,
      connectedAt: null,
      heldByUser: false,
      systemHeld: false,
      muted: false,
      answerWhenReported: false,
      endWhenReported: null,
    };
    this.calls.set(id, call);
    return call;
  }

  /** The call is over here: forgotten, its id remembered as ended. */
  remove(callId: string): void {
    this.ended.set(callId, Date.now());
    this.calls.delete(callId);
  }

  markAnswered(callId: string, at: number): void {
    this.answered.set(callId, at);
  }

  answeredAt(callId: string): number | null {
    return this.answered.get(callId) ?? null;
  }

  /** Ever ended here (the user declined on the system UI before the page heard of it: A9). */
  wasEnded(callId: string): boolean {
    return this.ended.has(callId);
  }

  wasEndedRecently(callId: string): boolean {
    const at = this.ended.get(callId);
    return at !== undefined && Date.now() - at < ENDED_MEMORY_MS;
  }
}
