/**
 * What server nodes tell each other through Redis (never a client): registry entries, call homes,
 * where devices are connected, and forwarded requests. Each is parsed with its schema when read:
 * another node, or anyone with access to Redis, wrote it.
 */
import { z } from 'zod/mini';
import { CallIdSchema, PeerSchema, UserIdSchema } from './call.ts';
import { ErrorCode } from './errors.ts';
import { serverEvents } from './signalling.ts';

export const NodeIdSchema = z.string().check(z.minLength(1), z.maxLength(64));
export type NodeId = z.infer<typeof NodeIdSchema>;

/** A node's registry entry, rewritten every second while it runs. */
export const NodeEntrySchema = z.object({
  id: NodeIdSchema,
  /** The address its media and TURN are reached at (PUBLIC_IP, or its listen address). */
  address: z.string(),
  calls: z.number(),
  /** Average use of its mediasoup workers since the previous entry, 0..1. */
  cpu: z.number(),
  draining: z.boolean(),
  updatedAt: z.number(),
});
export type NodeEntry = z.infer<typeof NodeEntrySchema>;

/** Which node holds a call (its state machine and its router), and whose call it is. */
export const CallHomeSchema = z.object({
  callId: CallIdSchema,
  home: NodeIdSchema,
  users: z.array(UserIdSchema),
});
export type CallHome = z.infer<typeof CallHomeSchema>;

/** A device connected to a node. */
export const DevicePlaceSchema = z.object({ node: NodeIdSchema, peer: PeerSchema });
export type DevicePlace = z.infer<typeof DevicePlaceSchema>;

/** The device a forwarded request speaks for, and the socket it came on. */
export const DeviceRefSchema = z.object({
  peer: PeerSchema,
  deviceId: z.string().check(z.minLength(1), z.maxLength(128)),
  socketId: z.string().check(z.minLength(1), z.maxLength(64)),
});
export type DeviceRef = z.infer<typeof DeviceRefSchema>;

/** What one node asks a call's home. */
export const NodeRequestSchema = z.discriminatedUnion('kind', [
  /** A call dialled by a device on a loaded node: the asked node places it and becomes its home. */
  z.object({ kind: z.literal('invite'), to: UserIdSchema, from: DeviceRefSchema }),
  /** A device's call request (answer, hang-up, a media request...), run on the home as if local. */
  z.object({ kind: z.literal('call'), event: z.string(), payload: z.unknown(), from: DeviceRefSchema }),
  /** The device's last socket went: `gone` when its session ended (its call does not wait for it). */
  z.object({ kind: z.literal('device-left'), from: DeviceRefSchema, gone: z.boolean() }),
  /** The device connected again (to the asking node): the call is given back to that socket. */
  z.object({ kind: z.literal('device-back'), from: DeviceRefSchema }),
]);
export type NodeRequest = z.infer<typeof NodeRequestSchema>;

/**
 * The home's answer to `device-back`: what the reconnected socket is to be sent, in order, by the
 * node that holds it, before its welcome (as a single node does). Sent through the socket.io
 * adapter instead, it would arrive after the welcome (the stream is read after the reply).
 */
export const DeviceBackReplySchema = z.object({
  events: z.array(
    z.discriminatedUnion('event', [
      z.object({ event: z.literal('call:ended'), payload: serverEvents['call:ended'] }),
      z.object({ event: z.literal('call:resync'), payload: serverEvents['call:resync'] }),
    ]),
  ),
});
export type DeviceBackReply = z.infer<typeof DeviceBackReplySchema>;

export const NodeRequestEnvelopeSchema = z.object({
  id: z.string(),
  from: NodeIdSchema,
  request: NodeRequestSchema,
});

export const NodeReplySchema = z.discriminatedUnion('ok', [
  z.object({ id: z.string(), ok: z.literal(true), data: z.unknown() }),
  z.object({
    id: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.enum(ErrorCode), message: z.string() }),
  }),
]);
export type NodeReply = z.infer<typeof NodeReplySchema>;
