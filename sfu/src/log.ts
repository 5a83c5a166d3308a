import pino from 'pino';

/** The root logger; modules take `log.child({ module })`, calls add `{ callId }`. */
export function createLogger(level: string): pino.Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

export type Logger = pino.Logger;
