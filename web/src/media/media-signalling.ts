/**
 * The one binding between a call's media engine and the signalling connection: media requests go
 * out with the call id (a refusal becomes a rejection), and media events for this call come back.
 */
import type {
  CallId,
  MediaPayload,
  MediaRequestName,
  RequestPayload,
  ServerEventPayload,
} from '@softphone/sfu/protocol';
import type { SignallingClient } from '../signalling/signalling-client.ts';
import type { MediaEventName, MediaSignalling } from './media-engine.ts';

export function bindMediaSignalling(
  client: SignallingClient,
  callId: CallId,
  /** Told of every ICE restart asked for (the call's marks count them). */
  onIceRestart: () => void,
): MediaSignalling {
  return {
    async request<K extends MediaRequestName>(event: K, payload: MediaPayload<K>) {
      if (event === 'media:restart-ice') onIceRestart();
      const res = await client.request(event, { ...payload, callId } as RequestPayload<K>);
      if (!res.ok) throw new Error(res.error.message);
      return res.data;
    },
    on<K extends MediaEventName>(event: K, listener: (payload: ServerEventPayload<K>) => void) {
      return client.on(event, (payload: ServerEventPayload<K>) => {
        if (payload.callId === callId) listener(payload);
      });
    },
  };
}
