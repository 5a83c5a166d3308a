/**
 * The requests about one live call, by event: what the call's home runs for a device, whether the
 * device's socket is on this node or on another one that forwarded the request (cluster/call-router.ts).
 */
import type { CallService } from '../call/call-service.ts';
import type { LateSocket } from '../call/call-session.ts';
import type { Member } from '../presence/presence.ts';
import {
  mediaRequests,
  type CallId,
  type MediaPayload,
  type MediaRequestName,
  type RequestName,
  type RequestPayload,
  type RequestResult,
} from '../protocol/index.ts';

/** Who asks: the device, and the socket it asked on (a call handed back to it goes there). */
export interface CallAsker {
  member: Member;
  socket: LateSocket;
}

type Run<K extends RequestName> = (
  calls: CallService,
  a: CallAsker,
  p: RequestPayload<K>,
) => RequestResult<K> | Promise<RequestResult<K>>;

export const partyRequests = {
  'call:reported': async (calls, a, { callId }) => ({
    call: { callId, from: await calls.report(a.member, callId, a.socket) },
  }),
  'call:ringing': (calls, a, { callId }) => (calls.act(a.member, callId, 'ring'), {}),
  'call:answer': (calls, a, { callId }) => (calls.answer(a.member, callId), {}),
  'call:answer-failed': (calls, a, { callId }) => (calls.act(a.member, callId, 'answer-failed'), {}),
  'call:decline': (calls, a, { callId }) => (calls.act(a.member, callId, 'decline'), {}),
  'call:hangup': (calls, a, { callId }) => (calls.act(a.member, callId, 'hangup'), {}),
  'call:activation-failed': (calls, a, { callId, why }) => (
    calls.activationFailed(a.member, callId, why),
    {}
  ),
  'call:device-report': (calls, a, { callId, report }) => (calls.deviceReport(a.member, callId, report), {}),
  'call:connection-lost': (calls, a, { callId }) => (calls.connectionLost(a.member, callId), {}),
  'call:media-lost': (calls, a, { callId }) => (calls.mediaLost(a.member, callId), {}),
  'call:media-failed': (calls, a, { callId }) => (calls.mediaFailed(a.member, callId), {}),
  'call:hold': (calls, a, { callId, held }) => (calls.hold(a.member, callId, held), {}),
} satisfies { [K in RequestName]?: Run<K> };

export type CallRequestName = keyof typeof partyRequests | MediaRequestName;

export const isCallRequest = (event: string): event is CallRequestName =>
  Object.hasOwn(partyRequests, event) || Object.hasOwn(mediaRequests, event);

/** Runs a request about a call this node holds. */
export function runCallRequest<K extends CallRequestName>(
  calls: CallService,
  asker: CallAsker,
  event: K,
  payload: RequestPayload<K>,
): Promise<RequestResult<K>> {
  if (Object.hasOwn(partyRequests, event)) {
    const run = partyRequests[event as keyof typeof partyRequests] as unknown as Run<K>;
    return Promise.resolve().then(() => run(calls, asker, payload));
  }
  const { callId, ...rest } = payload as RequestPayload<K> & { callId: CallId };
  const media = event as MediaRequestName;
  return calls.media(asker.member, callId, media, rest as MediaPayload<typeof media>) as Promise<
    RequestResult<K>
  >;
}
