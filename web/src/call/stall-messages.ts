/**
 * What a person is told when a direction of their call carries no audio (the server's
 * `media:stall`), in plain words, with what to try. One sentence for the call screen and the
 * screen reader alike.
 */
import type { StallCause } from '@softphone/sfu/protocol';
import type { ActiveCall } from './phone-state.ts';

/** Said when the problem is the server's to fix (it re-subscribes), or no one knows where it is. */
const WAIT = 'If it does not come back, hang up and call again.';

export function stallMessage(call: ActiveCall): string | null {
  // Audio that is not up here yet (or could not be) is what the person is told about first.
  if (call.audio !== 'active') return null;
  const who = call.peer.displayName;
  const out = call.stalled['to-peer'];
  const back = call.stalled['from-peer'];
  if (out && back) return `You and ${who} can't hear each other. Check your network connection. ${WAIT}`;
  if (out)
    return `${who} can't hear you. ${out === 'no-rtp-from-sender' ? 'Check your microphone and your network connection.' : WAIT}`;
  if (back) return `You can't hear ${who}. ${senderSide(back, who)}`;
  return null;
}

function senderSide(cause: StallCause, who: string): string {
  return cause === 'no-rtp-from-sender'
    ? `Nothing arrives from ${who}: their microphone or network may have a problem. ${WAIT}`
    : WAIT;
}
