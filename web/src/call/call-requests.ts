/**
 * Who tells the server about this device's part in a call. In a browser it is the page itself, over
 * its socket ({@link serverCallRequests}). In the iOS shell it is the shell, over its own socket
 * (`sfu/src/protocol/bridge.ts`, v2): WebKit suspends the page's JavaScript in the background, so
 * an answer on the lock screen, a hang-up or the keep-alive can't wait for it. There the page's
 * intents reach the server through CallKit (callkit-link.ts) and these requests only say how the
 * page's own state follows.
 */
import type { Ack, CallId, PathKind, Peer, RequestResult } from '@softphone/sfu/protocol';
import type { DeviceDescription } from '../app/device-description.ts';
import type { SignallingLink } from '../signalling/signalling-link.ts';

type Done = Promise<Ack<Record<string, never>>>;

export interface CallRequests {
  /**
   * True when another party (the shell) carries the call with the server: the page's own socket
   * dropping (a frozen page misses its pings) does not end the call.
   */
  readonly carriedElsewhere: boolean;
  invite(callee: Peer): Promise<Ack<RequestResult<'call:invite'>>>;
  /** Calls anyone by their exact username: the call's id and who the name is. */
  dial(username: string): Promise<Ack<RequestResult<'call:dial'>>>;
  /** A pushed call: join its ringing devices, learn who calls. */
  claim(callId: CallId): Promise<Ack<RequestResult<'call:reported'>>>;
  ringing(callId: CallId): Done;
  answer(callId: CallId): Done;
  /** The answer was refused or not confirmed in time: the server ends the call for both, saying so. */
  answerFailed(callId: CallId): Done;
  decline(callId: CallId): Done;
  hangup(callId: CallId): Done;
  hold(callId: CallId, held: boolean): Done;
  activationFailed(callId: CallId, why: 'not-activated' | 'failed'): Done;
  mediaLost(callId: CallId): Done;
  /** This device's connection was down past the reconnect grace: it gives the call up. */
  connectionLost(callId: CallId): Done;
  /** The media path could not be set up: the server ends the call for both with that reason. */
  mediaFailed(callId: CallId): Done;
  /**
   * What this device is, the path its media takes and whether the page was frozen during the call,
   * for the call's quality record (issue 21): sent once the call is answered and again when the
   * path changes or the page resumes from a freeze (each replaces the last).
   */
  deviceReport(callId: CallId, path: PathKind | null, pageFrozen: boolean): Done;
}

/** `device`: what the browser says about itself ({@link describeBrowser}), asked once and kept. */
export function serverCallRequests(
  link: SignallingLink,
  device: () => Promise<DeviceDescription>,
): CallRequests {
  let described: Promise<DeviceDescription> | null = null;
  return {
    carriedElsewhere: false,
    invite: (callee) => link.request('call:invite', { to: callee.id }),
    dial: (username) => link.request('call:dial', { username }),
    claim: (callId) => link.request('call:reported', { callId }),
    ringing: (callId) => link.request('call:ringing', { callId }),
    answer: (callId) => link.request('call:answer', { callId }),
    answerFailed: (callId) => link.request('call:answer-failed', { callId }),
    decline: (callId) => link.request('call:decline', { callId }),
    hangup: (callId) => link.request('call:hangup', { callId }),
    hold: (callId, held) => link.request('call:hold', { callId, held }),
    activationFailed: (callId, why) => link.request('call:activation-failed', { callId, why }),
    mediaLost: (callId) => link.request('call:media-lost', { callId }),
    connectionLost: (callId) => link.request('call:connection-lost', { callId }),
    mediaFailed: (callId) => link.request('call:media-failed', { callId }),
    deviceReport: async (callId, path, pageFrozen) => {
      described ??= device();
      return link.request('call:device-report', {
        callId,
        report: { ...(await described), path, pageFrozen },
      });
    },
  };
}

/** What the shell did (`done`), or a refusal the page shows. */
export const accepted: Done = Promise.resolve({ ok: true, data: {} });
