import pino from 'pino';
import pretty from 'pino-pretty';

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

/**
 * Where `npm start` logs: on a terminal, pino-pretty lines a person can read (time, level, the
 * module, the message, the fields on the same line); anywhere else (a file, a pipe, the test rig
 * and voip-doctor, which parse it) pino's JSON lines, as before (undefined: pino's own stdout).
 * Pretty-printing in-process is fine for a terminal's volume; `sync` keeps the last lines before
 * an exit.
 */
export function terminalDestination(
  stdout: { isTTY?: boolean } = process.stdout,
): pino.DestinationStream | undefined {
  if (!stdout.isTTY) return undefined;
  return pretty({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'module',
    messageFormat: '{if module}{module}: {end}{msg}',
  });
}

export type Logger = pino.Logger;
