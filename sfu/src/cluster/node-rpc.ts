/**
 * Targeted request/reply between nodes over Redis pub/sub: each node listens on its own channel,
 * a request carries a correlation id and the asker's id, and the reply comes back on the asker's
 * channel. Not `serverSideEmit` with an ack, which goes to every node and waits for all of them.
 * Every message is parsed with its schema (protocol/cluster.ts) before it is believed.
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { CallError } from '../call/call-error.ts';
import type { Logger } from '../log.ts';
import {
  ErrorCode,
  NodeReplySchema,
  NodeRequestEnvelopeSchema,
  type NodeId,
  type NodeReply,
  type NodeRequest,
} from '../protocol/index.ts';

export type NodeRequestHandler = (request: NodeRequest, from: NodeId) => Promise<unknown>;

const requestChannel = (node: NodeId) => `rpc:${node}`;
const replyChannel = (node: NodeId) => `rpc-reply:${node}`;

export class NodeRpc {
  private readonly pending = new Map<string, { settle: (r: NodeReply) => void; timer: NodeJS.Timeout }>();
  private handler: NodeRequestHandler | null = null;

  constructor(
    private readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly nodeId: () => NodeId,
    private readonly log: Logger,
    private readonly timeoutMs = 5_000,
  ) {
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  /** Listens on this node's channels (again after a fencing gave it a new id). */
  async listen(handler: NodeRequestHandler, previous?: NodeId): Promise<void> {
    this.handler = handler;
    if (previous) await this.sub.unsubscribe(requestChannel(previous), replyChannel(previous));
    await this.sub.subscribe(requestChannel(this.nodeId()), replyChannel(this.nodeId()));
  }

  /** Asks `node`; resolves with its answer, throws its refusal as a {@link CallError}. */
  async request(node: NodeId, request: NodeRequest): Promise<unknown> {
    const id = crypto.randomUUID();
    const reply = new Promise<NodeReply>((settle) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        settle({ id, ok: false, error: unreachable });
      }, this.timeoutMs);
      this.pending.set(id, { settle, timer });
    });
    let receivers = 0;
    try {
      receivers = await this.cmd.publish(
        requestChannel(node),
        JSON.stringify({ id, from: this.nodeId(), request }),
      );
    } catch {
      receivers = 0;
    }
    // Nobody listens on that channel: the node is gone; no use waiting for the timeout.
    if (receivers === 0) this.settle({ id, ok: false, error: unreachable });
    const r = await reply;
    if (!r.ok) throw new CallError(r.error.code, r.error.message);
    return r.data;
  }

  private onMessage(channel: string, message: string): void {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      json = undefined;
    }
    if (channel === replyChannel(this.nodeId())) {
      const reply = NodeReplySchema.safeParse(json);
      if (reply.success) this.settle(reply.data);
      else this.log.warn({ channel }, 'malformed reply from another node ignored');
      return;
    }
    const req = NodeRequestEnvelopeSchema.safeParse(json);
    if (!req.success || !this.handler) {
      this.log.warn({ channel }, 'malformed request from another node ignored');
      return;
    }
    const { id, from, request } = req.data;
    void this.handler(request, from)
      .then(
        (data): NodeReply => ({ id, ok: true, data }),
        (err: unknown): NodeReply => {
          if (err instanceof CallError)
            return { id, ok: false, error: { code: err.code, message: err.message } };
          this.log.error({ err, kind: request.kind }, 'forwarded request failed');
          return {
            id,
            ok: false,
            error: { code: ErrorCode.Internal, message: 'an unexpected error occurred' },
          };
        },
      )
      .then((reply) => this.cmd.publish(replyChannel(from), JSON.stringify(reply)))
      .catch((err: unknown) => this.log.warn({ err, to: from }, 'reply to another node not sent'));
  }

  private settle(reply: NodeReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    p.settle(reply);
  }

  close(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.settle({ id, ok: false, error: unreachable });
    }
    this.pending.clear();
  }
}

const unreachable = {
  code: ErrorCode.MediaUnavailable,
  message: 'the server holding the call could not be reached',
} as const;
