import pino from 'pino';

/**
 * TURN credentials and secrets never reach a log, wherever they sit in a logged object (an ICE
 * server list, a config, a payload).
 */
export const REDACTED_PATHS = [
  'credential',
  '*.credential',
  'iceServers[*].credential',
  '*.iceServers[*].credential',
  'secret',
  '*.secret',
  'TURN_SECRET',
  '*.TURN_SECRET',
];

/** The root logger; modules take `log.child({ module })`, calls add `{ callId }`. */
export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  const opts = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(opts, destination) : pino(opts);
}

export type Logger = pino.Logger;
