import { ErrorCode } from '../protocol/index.ts';

/** A refusal the client may see: its code and message go into the ack as they are. */
export class CallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
