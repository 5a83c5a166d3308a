/**
 * The one place a media engine's {@link MediaSignalling} is bound to the server's requests for one
 * call: a media back end that talks to the server differently rewires here and nowhere else.
 */
import type { Ack, CallId } from '@softphone/sfu/protocol';
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { MediaSignalling } from './media-engine.ts';

async function data<T>(reply: Promise<Ack<T>>): Promise<T> {
  const res = await reply;
  if (!res.ok) throw new Error(res.error.message);
  return res.data;
}

export function bindMediaSignalling(
  link: SignallingLink,
  callId: CallId,
  /** Told of every ICE restart asked for (the call's figures count them). */
  onIceRestart: () => void,
): MediaSignalling {
  return {
    publish: async (sdp) => (await data(link.request('media:publish', { callId, sdp }))).sdp,
    answerSubscription: async (sdp) =>
      void (await data(link.request('media:subscribe-answer', { callId, sdp }))),
    trickle: async (leg, candidate) =>
      void (await data(link.request('media:trickle', { callId, leg, candidate }))),
    restartIce: async (leg, sdp) => {
      onIceRestart();
      return (await data(link.request('media:ice-restart', { callId, leg, ...(sdp ? { sdp } : {}) }))).sdp;
    },
  };
}
