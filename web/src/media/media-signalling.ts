/**
 * The one place a media engine's {@link MediaSignalling} is bound to the server for one call:
 * requests go out with the call id (a refusal becomes a rejection), and the call's media events,
 * which the call controller routes here, reach the engine's listeners. An event that arrives before
 * the engine listens (it is still loading, or the event came with the invite's ack) waits for it.
 * A media back end that talks to the server differently rewires here and nowhere else.
 */
import type {
  Ack,
  CallId,
  MediaPayload,
  MediaRequestName,
  RequestPayload,
  ServerEventPayload,
} from '@softphone/sfu/protocol';
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { MediaEventName, MediaSignalling } from './media-engine.ts';

/** One media event from the server, with its name. */
export type MediaEvent = {
  [K in MediaEventName]: { event: K; payload: ServerEventPayload<K> };
}[MediaEventName];

/** A call's {@link MediaSignalling}, plus the entry its media events arrive through. */
export interface CallMediaSignalling extends MediaSignalling {
  deliver(e: MediaEvent): void;
}

type AnyListener = (payload: MediaEvent['payload']) => void;

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
): CallMediaSignalling {
  const listeners = new Map<MediaEventName, Set<AnyListener>>();
  let waiting: MediaEvent[] = [];
  return {
    get online() {
      return link.isConnected;
    },
    request<K extends MediaRequestName>(event: K, payload: MediaPayload<K>) {
      if (event === 'media:restart-ice') onIceRestart();
      return data(link.request(event, { ...payload, callId } as RequestPayload<K>));
    },
    on<K extends MediaEventName>(event: K, listener: (payload: ServerEventPayload<K>) => void) {
      const l = listener as AnyListener;
      const set = listeners.get(event) ?? new Set<AnyListener>();
      listeners.set(event, set);
      set.add(l);
      const now = waiting.filter((e) => e.event === event);
      waiting = waiting.filter((e) => e.event !== event);
      for (const e of now) l(e.payload);
      return () => set.delete(l);
    },
    deliver(e) {
      if (e.payload.callId !== callId) return;
      const set = listeners.get(e.event);
      if (!set?.size) waiting.push(e);
      else for (const l of set) l(e.payload);
    },
  };
}
