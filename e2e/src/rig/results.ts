/**
 * The rig's results file: one JSON document per run, schema `softphone-rig/1`, documented in
 * e2e/README.md. Written after every call, so a crash loses at most the call in progress.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const DirectionSchema = z.object({
  /** The partner was heard: loud audio, carrying the partner's signature when judged by it. */
  heard: z.boolean(),
  /**
   * `signature`: only the partner's tones count as heard (the rig's generated signatures);
   * `level`: loud enough counts (a speech WAV, judged by level alone).
   */
  judgedBy: z.enum(['signature', 'level']),
  /** Loud audio carrying another party's signature arrived (its own signal looped back, another call). */
  misrouted: z.boolean(),
  /** Answer → the onset of the first heard run (within ~25 ms: e2e/README.md). */
  timeToFirstAudioMs: z.number().nullable(),
  audibleRatio: z.number(),
  longestGapMs: z.number(),
  meanLevel: z.number(),
  concealedRatio: z.number(),
  windows: z.number(),
  /**
   * What the unheard windows mostly were: `no-media` (no packets), `no-playout`, `silent`,
   * `misrouted` (another party's signature), `unrecognised` (loud, no signature).
   */
  unheardCause: z.enum(['no-media', 'no-playout', 'silent', 'misrouted', 'unrecognised']).nullable(),
  /** Loss, jitter, concealment and the E-model's MOS over the measurement (e2e/src/audio/link-quality.ts). */
  network: z
    .object({
      lossPercent: z.number(),
      jitterMs: z.number(),
      concealedRatio: z.number(),
      oneWayDelayMs: z.number(),
      r: z.number(),
      mos: z.number(),
    })
    .nullable(),
});

const PathSchema = z
  .object({
    local: z.enum(['host', 'srflx', 'prflx', 'relay']),
    remote: z.enum(['host', 'srflx', 'prflx', 'relay']),
    relayProtocol: z.enum(['udp', 'tcp', 'tls']).nullable(),
    protocol: z.enum(['udp', 'tcp']),
  })
  .nullable();

export const CallResultSchema = z.object({
  index: z.number().int(),
  callId: z.string().nullable(),
  /** `failed`: the call could not be placed or answered; `error` says why. */
  outcome: z.enum(['measured', 'failed']),
  error: z.string().optional(),
  /** `misrouted` (a direction heard another party's audio) outranks one-way and no-audio. */
  verdict: z.enum(['two-way', 'one-way', 'no-audio', 'misrouted']).nullable(),
  /** The directions nobody heard, e.g. ["callee->caller"] for a silent callee. */
  silentDirections: z.array(z.enum(['caller->callee', 'callee->caller'])),
  /** The directions that carried someone else's audio. */
  misroutedDirections: z.array(z.enum(['caller->callee', 'callee->caller'])),
  timings: z.object({
    /** The caller's dial click → the callee's page got `call:incoming` (its ringing screen follows). */
    dialToCalleeAlertedMs: z.number().nullable(),
    answerToHeardMs: z.object({
      'caller->callee': z.number().nullable(),
      'callee->caller': z.number().nullable(),
    }),
    answerToBothHeardMs: z.number().nullable(),
  }),
  directions: z.object({ 'caller->callee': DirectionSchema, 'callee->caller': DirectionSchema }).nullable(),
  /** Capture seen running before the audio-activation step on either side: must always be false. */
  captureBeforeActivation: z.boolean(),
  /** Each party's selected candidate pair (its received audio's), at the end of the measurement. */
  paths: z.object({ caller: PathSchema, callee: PathSchema }).nullable(),
});
export type CallResult = z.infer<typeof CallResultSchema>;

export const RunResultSchema = z.object({
  schema: z.literal('softphone-rig/1'),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  options: z.object({
    calls: z.number(),
    holdMs: z.number(),
    profile: z.string(),
    /** The impairment the caller's link had (`--network`); absent: none. */
    network: z.string().optional(),
    wav: z.object({ caller: z.string(), callee: z.string() }),
  }),
  calls: z.array(CallResultSchema),
  summary: z.object({
    calls: z.number(),
    twoWay: z.number(),
    oneWay: z.number(),
    noAudio: z.number(),
    misrouted: z.number(),
    failed: z.number(),
    /** Calls where a party asked for the microphone before its audio activation: each fails the run. */
    captureBeforeActivation: z.number(),
  }),
});
export type RunResult = z.infer<typeof RunResultSchema>;

export function summarise(calls: CallResult[]): RunResult['summary'] {
  return {
    calls: calls.length,
    twoWay: calls.filter((c) => c.verdict === 'two-way').length,
    oneWay: calls.filter((c) => c.verdict === 'one-way').length,
    noAudio: calls.filter((c) => c.verdict === 'no-audio').length,
    misrouted: calls.filter((c) => c.verdict === 'misrouted').length,
    failed: calls.filter((c) => c.outcome === 'failed').length,
    captureBeforeActivation: calls.filter((c) => c.captureBeforeActivation).length,
  };
}

/** A run passes when every call was two-way and no party captured before its audio activation. */
export function runPassed(s: RunResult['summary']): boolean {
  return s.twoWay === s.calls && s.captureBeforeActivation === 0;
}

/** Atomic write (temp file + rename): a reader never sees half a file. */
export function writeResults(file: string, run: RunResult): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(run, null, 2));
  fs.renameSync(tmp, file);
}
