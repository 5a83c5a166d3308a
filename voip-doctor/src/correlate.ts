/**
 * Server push log × device/app logs: for each push sent, was it received, delivered, reported, answered,
 * activated? Stages are matched by time (server and phone clocks differ by up to `toleranceMs`) and,
 * when a line names the call id, the CallKit UUID or the apns-id, by that id first.
 */
import type { EvidenceRef } from './detectors/kit.ts';
import { ref } from './detectors/kit.ts';
import type { Hit } from './model.ts';
import type { ServerPush } from './server-log.ts';

export type { ServerPush } from './server-log.ts';

export const STAGES = ['received', 'delivered', 'reported', 'answered', 'activated'] as const;
export type Stage = (typeof STAGES)[number];

export type Verdict =
  | 'ok'
  | 'rejected-by-apns'
  | 'not-covered'
  | 'never-received'
  | 'not-delivered'
  | 'not-reported'
  | 'unanswered'
  | 'not-activated';

export interface PushTrace {
  push: ServerPush;
  stages: Partial<Record<Stage, EvidenceRef>>;
  /** Received minus sent, in ms (negative when the clocks disagree within the tolerance). */
  latencyMs: number | null;
  verdict: Verdict;
}

export interface CorrelateOptions {
  toleranceMs: number;
  maxDelayMs: number;
}

/** Which rules witness which stage; earlier rules in a list are better witnesses. */
const STAGE_RULES: Record<Stage, readonly string[]> = {
  received: ['aps-message-received', 'apsd-data-received', 'app-push-received'],
  delivered: ['voip-payload-delivered', 'app-push-received'],
  reported: ['callkit-incoming-reported', 'callkit-incoming-call-filtered', 'callkit-incoming-call-refused'],
  answered: ['call-answered'],
  activated: ['callservicesd-audio-activation', 'app-audio-did-activate', 'audio-session-activated'],
};

const MAX_PER_STAGE = 20_000;

interface Candidate {
  ref: EvidenceRef;
  rank: number;
  text: string;
  used: boolean;
}

/** Keeps the hits that witness a stage while the logs stream by. */
export class StageCollector {
  private readonly lists = new Map<Stage, Candidate[]>(STAGES.map((s) => [s, []]));
  dropped = 0;

  add(hit: Hit): void {
    for (const stage of STAGES) {
      const rank = STAGE_RULES[stage].indexOf(hit.rule.id);
      if (rank < 0) continue;
      const list = this.lists.get(stage) as Candidate[];
      if (list.length >= MAX_PER_STAGE) {
        this.dropped++;
        continue;
      }
      list.push({ ref: ref(hit), rank, text: hit.entry.message.toLowerCase(), used: false });
    }
  }

  list(stage: Stage): Candidate[] {
    return this.lists.get(stage) as Candidate[];
  }
}

function mentions(c: Candidate, push: ServerPush): boolean {
  return Boolean(
    (push.callId && c.text.includes(push.callId.toLowerCase())) ||
    (push.apnsId && c.text.includes(push.apnsId)),
  );
}

/** Best unused candidate in [from, to]: the better witness, then one naming the push, then the earliest. */
function pick(list: Candidate[], from: number, to: number, push: ServerPush): Candidate | undefined {
  let best: Candidate | undefined;
  const score = (c: Candidate): number => c.rank * 2 + (mentions(c, push) ? 0 : 1);
  for (const c of list) {
    if (c.used || c.ref.time < from || c.ref.time > to) continue;
    if (!best || score(c) < score(best) || (score(c) === score(best) && c.ref.time < best.ref.time)) best = c;
  }
  if (best) best.used = true;
  return best;
}

export function correlate(
  pushes: readonly ServerPush[],
  stages: StageCollector,
  covers: (from: number, to: number) => boolean,
  opts: CorrelateOptions,
): PushTrace[] {
  const tol = opts.toleranceMs;
  return pushes.map((push): PushTrace => {
    const trace: PushTrace = { push, stages: {}, latencyMs: null, verdict: 'ok' };
    if (push.status !== undefined && push.status !== 200) {
      trace.verdict = 'rejected-by-apns';
      return trace;
    }
    const received = pick(stages.list('received'), push.sent - tol, push.sent + opts.maxDelayMs + tol, push);
    if (!received) {
      trace.verdict = covers(push.sent, push.sent + opts.maxDelayMs) ? 'never-received' : 'not-covered';
      return trace;
    }
    trace.stages.received = received.ref;
    trace.latencyMs = received.ref.time - push.sent;
    let at = received.ref.time;
    const windows: Record<Exclude<Stage, 'received'>, number> = {
      delivered: 30_000,
      reported: 10_000,
      answered: 180_000,
      activated: 10_000,
    };
    for (const stage of ['delivered', 'reported', 'answered', 'activated'] as const) {
      const c = pick(stages.list(stage), at - tol, at + windows[stage] + tol, push);
      if (!c) {
        if (stage === 'delivered') continue;
        trace.verdict =
          stage === 'reported' ? 'not-reported' : stage === 'answered' ? 'unanswered' : 'not-activated';
        if (stage === 'reported' && !trace.stages.delivered) trace.verdict = 'not-delivered';
        return trace;
      }
      trace.stages[stage] = c.ref;
      at = c.ref.time;
    }
    return trace;
  });
}
