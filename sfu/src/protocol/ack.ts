import type { ProtocolError } from './errors.ts';

/** The one reply shape for every request event: narrow with `if (res.ok)`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ProtocolError };

export type AckCallback<T> = (res: Ack<T>) => void;
