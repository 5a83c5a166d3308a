import type { LogEntry } from '../../src/model.ts';

/** A log entry that is only its message: what a rule's pattern is tried on. */
export const messageEntry = (message: string): LogEntry => ({
  file: 0,
  line: 1,
  time: 0,
  offset: 0,
  basis: 'absolute',
  process: 'p',
  message,
});
