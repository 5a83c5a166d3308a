/**
 * Models `ios-shell/Shell/Signalling/MediaSignalling.swift` (`MediaNegotiator`): the native
 * engine's negotiation with the SDP edge on the shell's own socket.
 */
import type { Ack } from '@softphone/sfu/protocol';
import type { SignallingClient } from '../../signalling/signalling-client.ts';
import type { NativeSignalling } from '../media/native-peer-connections.ts';

export function bindToSocket(socket: SignallingClient, callId: string): NativeSignalling {
  const data = async <T>(reply: Promise<Ack<T>>): Promise<T> => {
    const res = await reply;
    if (!res.ok) throw new Error(res.error.message);
    return res.data;
  };
  return {
    publish: async (sdp) => (await data(socket.request('media:publish', { callId, sdp }))).sdp,
    answerSubscription: async (sdp) =>
      void (await data(socket.request('media:subscribe-answer', { callId, sdp }))),
  };
}
