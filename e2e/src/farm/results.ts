/**
 * A farm run's results: JSON lines, schema `softphone-farm/1` (documented in e2e/README.md). The first
 * line describes the run; then one line per call, appended the moment the call is judged, so a crash or
 * a pulled cable loses at most the call in progress, and a half-written last line is told apart from a
 * corrupt file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CallOutcome } from '@softphone/sfu/quality/stats.ts';

export const FARM_SCHEMA = 'softphone-farm/1';

/** Audio one way, judged where it can be seen (shared/docs/one-way-audio-method.md). */
const DirectionSchema = z.object({
  heard: z.boolean(),
  /** Answer → first heard window at the receiving side; null when never heard. */
  timeToFirstAudioMs: z.number().nonnegative().nullable(),
  /**
   * What the unheard part of the measurement mostly was: no packets, packets not played out,
   * played but below the heard level (digital silence), loud but another party's signature
   * (`misrouted`), or loud and no signature (`unrecognised`); null when all of it was heard.
   */
  unheardCause: z
    .enum(['no-media', 'no-playout', 'silent', 'misrouted', 'unrecognised'])
    .nullable()
    .optional(),
  /** `signature`: heard means the partner's tones were heard; `level`: loud enough (speech, or no tones read). */
  judgedBy: z.enum(['signature', 'level']).optional(),
  /** Loud audio carrying another party's signature arrived: the call is `misrouted`, not two-way. */
  misrouted: z.boolean().optional(),
  /** The misrouted run: its start after the measurement's start, its length, its mean tone shares. */
  misroutedRun: z
    .object({ atMs: z.number(), ms: z.number(), shares: z.record(z.string(), z.number()) })
    .optional(),
  /** Audio windows the verdict was judged on (200–300 ms each on the simulated iPhone, one second from a physical one's QA stats): 0 means the receiver reported nothing. */
  windows: z.number().int().nonnegative().optional(),
  /**
   * Packets the sending side says it sent over the measured span, where the rig can see it (the far
   * end's browser for the downlink): sent but not received is the path, none sent is the sender.
   */
  sentPackets: z.number().int().nonnegative().nullable().optional(),
});

const EvidenceSchema = z.object({
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  time: z.string(),
  process: z.string().optional(),
  message: z.string(),
});

export const FarmCallSchema = z.object({
  type: z.literal('call'),
  /** 0-based, in the order the calls were placed. */
  index: z.number().int().nonnegative(),
  startedAt: z.iso.datetime({ offset: true }),
  /** Scenario id from the matrix, e.g. `locked/lock-screen/iphone-receives`. */
  scenario: z.string().min(1),
  device: z.string().min(1),
  iosVersion: z.string().min(1),
  engine: z.enum(['native', 'page']),
  /** Faults injected into this call (simulated iPhone only), e.g. `didActivate-late`. */
  faults: z.array(z.string()),
  /** Which party the iPhone was: its uplink is iPhone → far end, its downlink the reverse. */
  iphoneRole: z.enum(['caller', 'callee']),
  /** `failed`: the call could not be placed or answered; `error` says why. */
  outcome: z.enum(['measured', 'failed']),
  error: z.string().optional(),
  verdict: z.enum(['two-way', 'one-way', 'no-audio', 'misrouted']).nullable(),
  uplink: DirectionSchema.nullable(),
  downlink: DirectionSchema.nullable(),
  /**
   * The call's device log window (−30 s … +10 s), kept where the call was diagnosed: a path relative
   * to the results file's folder. The evidence's `file` is its name.
   */
  deviceLog: z.string().min(1).optional(),
  /** voip-doctor on the device log (−30 s … +10 s) and the server's push log; null for a two-way call. */
  diagnosis: z
    .object({
      scenarioIds: z.array(z.string()),
      evidence: z.array(EvidenceSchema),
    })
    .nullable(),
});
export type FarmCall = z.infer<typeof FarmCallSchema>;

export const FarmRunSchema = z.object({
  type: z.literal('run'),
  schema: z.literal(FARM_SCHEMA),
  startedAt: z.iso.datetime({ offset: true }),
  /** Seed of the per-call fault randomisation, so a run can be replayed. */
  seed: z.number().int().nullable(),
  devices: z.array(z.string()),
  scenarios: z.array(z.string()),
  callsPerScenario: z.number().int().positive(),
  /** A soak over the matrix: this many calls per engine, the scenarios in turn (the last round cut short). */
  totalCalls: z.number().int().positive().optional(),
});
export type FarmRun = z.infer<typeof FarmRunSchema>;

export interface FarmResults {
  run: FarmRun;
  calls: FarmCall[];
  /** A last line cut short (the run was killed mid-write): dropped, and said so. */
  truncatedLastLine: boolean;
}

export class FarmResultsError extends Error {}

/** Appends a run's lines to `file`; each line is one write, so lines never interleave or half-exist in order. */
export class FarmResultsWriter {
  private constructor(private readonly file: string) {}

  static create(file: string, run: FarmRun): FarmResultsWriter {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(FarmRunSchema.parse(run))}\n`, { flag: 'wx' });
    return new FarmResultsWriter(file);
  }

  append(call: FarmCall): void {
    const line = `${JSON.stringify(FarmCallSchema.parse(call))}\n`;
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, line);
      // The point of writing after every call is surviving a crash: the line must reach the disk.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');
}

/** Parses a results file; bad lines are errors naming the line, except a cut-off last line. */
export function parseFarmResults(text: string, name = 'results'): FarmResults {
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  if (endsClean) lines.pop();
  if (lines.length === 0 || lines[0] === '') throw new FarmResultsError(`${name}: empty file`);
  const parseLine = (raw: string, n: number): unknown => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new FarmResultsError(`${name}:${n}: not JSON`);
    }
  };
  const head = FarmRunSchema.safeParse(parseLine(lines[0] as string, 1));
  if (!head.success)
    throw new FarmResultsError(`${name}:1: not a ${FARM_SCHEMA} run line (${issues(head.error)})`);
  const calls: FarmCall[] = [];
  let truncatedLastLine = false;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const last = i === lines.length - 1 && !endsClean;
    let value: unknown;
    try {
      value = parseLine(raw, i + 1);
    } catch (e) {
      if (last) {
        truncatedLastLine = true;
        break;
      }
      throw e;
    }
    const call = FarmCallSchema.safeParse(value);
    if (!call.success) throw new FarmResultsError(`${name}:${i + 1}: ${issues(call.error)}`);
    calls.push(call.data);
  }
  return { run: head.data, calls, truncatedLastLine };
}

export function readFarmResults(file: string): FarmResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FarmResultsError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseFarmResults(text, file);
}

/** The `device` of a call on the simulated iPhone (a model of the shell in a page, not a phone). */
export const SIMULATED_DEVICE = 'simulated';

/**
 * What a rate was measured on, to print beside it: a rate from simulated devices is the model's, not
 * an iPhone's, and must never read as a field figure.
 */
export function devicesSaid(devices: readonly string[]): string {
  const kinds = [...new Set(devices)];
  if (kinds.length === 0) return 'no device';
  const simulated = kinds.every((d) => d === SIMULATED_DEVICE);
  if (simulated) return 'simulated iPhones (a model of the shell, not real phones)';
  return kinds.includes(SIMULATED_DEVICE)
    ? `simulated and real iPhones (${kinds.join(', ')})`
    : `real iPhones (${kinds.join(', ')})`;
}

/** The call as the statistics count it: one-way calls by which side of the iPhone went silent. */
export function outcomeOf(c: FarmCall): CallOutcome {
  const silent =
    c.verdict !== 'one-way'
      ? null
      : c.uplink && !c.uplink.heard
        ? 'uplink'
        : c.downlink && !c.downlink.heard
          ? 'downlink'
          : null;
  return {
    scenario: c.scenario,
    iosVersion: c.iosVersion,
    engine: c.engine,
    outcome: c.outcome,
    verdict: c.verdict,
    silent,
  };
}
