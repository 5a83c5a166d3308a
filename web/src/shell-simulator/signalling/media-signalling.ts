/**
 * Models `ios-shell/Shell/Signalling/MediaSignalling.swift` (`MediaNegotiator`): the native
 * engine's negotiation with the SDP edge on the shell's own socket.
 */
import type { NativeSignalling } from '../media/native-peer-connections.ts';
import type { ShellAck, SignallingClient } from './signalling-client.ts';

export function bindToSocket(socket: SignallingClient, callId: string): NativeSignalling {
  const data = async <T>(reply: Promise<ShellAck<T>>): Promise<T> => {
    const res = await reply;
    if (!res.ok) throw new Error(res.error.message);
    return res.data;
  };
  return {
    publish: async (sdp) => (await data(socket.request('media:publish', { callId, sdp }))).sdp,
    // MediaNegotiator.answerSubscription leaves the ack alone: a repeat the server already took is fine.
    answerSubscription: async (sdp) => void (await socket.request('media:subscribe-answer', { callId, sdp })),
    restartPublisher: async (sdp) =>
      (await data(socket.request('media:publish-restart', { callId, sdp }))).sdp,
    restartSubscriber: async () => (await data(socket.request('media:subscribe-restart', { callId }))).sdp,
  };
}
