import { ErrorCode } from '../protocol/index.ts';

/** A refusal the client may see: its code and message go into the ack as they are. */
export class CallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** With `rate-limited`: how long until the same request would be accepted. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
