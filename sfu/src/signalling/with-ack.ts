/**
 * The single try/catch of the signalling edge: validates a request's payload against its schema,
 * runs the handler, and replies with `Ack<T>`. Refusals keep their code; anything unexpected becomes
 * `internal` and is logged, never sent. A request without an ack callback gets `request:error`.
 */
import type { z } from 'zod/mini';
import '../validation-messages.ts';
import { CallError } from '../call/call-error.ts';
import type { Logger } from '../log.ts';
import {
  ErrorCode,
  requests,
  type Ack,
  type ProtocolError,
  type RequestName,
  type RequestPayload,
  type RequestResult,
} from '../protocol/index.ts';
import type { AppSocket } from './types.ts';

export type RequestHandler<K extends RequestName> = (
  payload: RequestPayload<K>,
) => RequestResult<K> | Promise<RequestResult<K>>;

function describe(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function replyError(socket: AppSocket, event: string, ack: unknown, error: ProtocolError): void {
  if (typeof ack === 'function') (ack as (res: Ack<never>) => void)({ ok: false, error });
  else socket.emit('request:error', { event, error });
}

export function onRequest<K extends RequestName>(
  socket: AppSocket,
  event: K,
  log: Logger,
  handler: RequestHandler<K>,
): void {
  const schema = requests[event].payload;
  // socket.io's typed `on` can't express "any arity, maybe no ack"; the edge takes unknowns.
  (socket as unknown as { on(ev: string, fn: (...args: unknown[]) => void): void }).on(
    event,
    (...args: unknown[]) => {
      const ack = args.length > 1 ? args[args.length - 1] : args[0];
      const payload = typeof args[0] === 'function' ? undefined : args[0];
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        log.warn({ event, user: socket.data.user.id, issues: parsed.error.issues }, 'invalid payload');
        replyError(socket, event, ack, {
          code: ErrorCode.InvalidPayload,
          message: describe(parsed.error.issues),
        });
        return;
      }
      Promise.resolve()
        .then(() => handler(parsed.data as RequestPayload<K>))
        .then(
          (data) => {
            if (typeof ack === 'function') (ack as (res: Ack<RequestResult<K>>) => void)({ ok: true, data });
          },
          (err: unknown) => {
            if (err instanceof CallError) {
              log.info({ event, user: socket.data.user.id, code: err.code }, err.message);
              replyError(socket, event, ack, {
                code: err.code,
                message: err.message,
                ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
              });
            } else {
              log.error({ event, user: socket.data.user.id, err }, 'request failed');
              replyError(socket, event, ack, {
                code: ErrorCode.Internal,
                message: 'an unexpected error occurred',
              });
            }
          },
        );
    },
  );
}
