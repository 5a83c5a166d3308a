/**
 * The pure core: inputs in, report out. Reads every input once, in parallel, merged by time; the bin,
 * the tests and the bench all call this.
 */
import { StageCollector, correlate } from './correlate.ts';
import { DETECTORS, SPECS } from './detectors/index.ts';
import { MAX_EVIDENCE, Recent, ref } from './detectors/kit.ts';
import type { EvidenceRef, Finding } from './detectors/kit.ts';
import { groupDiagnoses } from './explain.ts';
import { mergeByTime } from './merge.ts';
import type { Diagnosis, Evidence, Hit } from './model.ts';
import { emptyStats, readHits } from './reader.ts';
import type { InputSpec, InputStats } from './reader.ts';
import type { Lane, Report, TimelineEvent } from './report.ts';
import { RULES_BY_ID } from './rules/catalog.ts';
import { loadServerLog } from './server-log.ts';
import type { ServerPush, ServerLogStats } from './server-log.ts';
import { formatTime } from './time.ts';
import type { Zone } from './time.ts';
import { Volume } from './volume.ts';

export interface AnalyzeOptions {
  inputs: InputSpec[];
  serverLogs: string[];
  zone: Zone;
  /** Whether `zone` was chosen by the user (--tz) rather than defaulted. */
  zoneGiven: boolean;
  serverZone: Zone;
  day: number | null;
  toleranceMs: number;
  maxDelayMs: number;
  gapMs: number;
  stdin?: NodeJS.ReadableStream;
  onBytes?: (n: number) => void;
}

const MAX_TIMELINE = 5000;
const MAX_VOLUME_POINTS = 1440;

function laneOf(rule: string, catalog: number): Lane {
  if (rule.startsWith('app-audio') || rule.startsWith('audio')) return 'audio';
  if (rule === 'app-push-received') return 'app';
  if (catalog >= 1 && catalog <= 18) return 'push';
  if (catalog >= 19 && catalog <= 26) return 'callkit';
  if (catalog >= 27 && catalog <= 34) return 'audio';
  if (catalog >= 35 && catalog <= 37) return 'process';
  if (catalog >= 38 && catalog <= 41) return 'device';
  if (rule.startsWith('call') || rule.startsWith('pushkit')) return 'callkit';
  return 'app';
}

/** Every fail/warn rule no scenario speaks for becomes one signature diagnosis. */
class Signatures {
  private readonly byRule = new Map<
    string,
    { first: Hit; last: Hit; count: number; evidence: EvidenceRef[] }
  >();
  private readonly covered = new Set(DETECTORS.flatMap((d) => d.spec.covers));

  add(hit: Hit): void {
    const r = hit.rule;
    if (!r.standalone || (r.severity !== 'fail' && r.severity !== 'warn') || this.covered.has(r.id)) return;
    const s = this.byRule.get(r.id);
    if (!s) this.byRule.set(r.id, { first: hit, last: hit, count: 1, evidence: [ref(hit)] });
    else {
      s.last = hit;
      s.count++;
      if (s.evidence.length < MAX_EVIDENCE) s.evidence.push(ref(hit));
    }
  }

  findings(): (Finding & { rule: string })[] {
    return [...this.byRule.entries()].map(([id, s]) => {
      const rule = RULES_BY_ID.get(id);
      return {
        id,
        rule: id,
        severity: rule?.severity === 'fail' ? 'fail' : 'warn',
        summary: `${rule?.title ?? id} (${s.count} line${s.count === 1 ? '' : 's'}).`,
        start: s.first.entry.time,
        end: s.last.entry.time,
        offset: s.first.entry.offset,
        evidence: s.evidence,
        count: s.count,
      };
    });
  }
}

async function* guarded(gen: AsyncGenerator<Hit[]>, stats: InputStats): AsyncGenerator<Hit[]> {
  try {
    yield* gen;
  } catch (e) {
    stats.status = 'unreadable';
    stats.error = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

export async function analyze(opts: AnalyzeOptions): Promise<Report> {
  const started = Date.now();
  const files = [...opts.inputs.map((i) => i.path), ...opts.serverLogs];
  const serverLogs: ServerLogStats[] = [];
  const pushes: ServerPush[] = [];
  for (const [k, path] of opts.serverLogs.entries()) {
    const loaded = await loadServerLog(path, opts.inputs.length + k, opts.serverZone, opts.stdin);
    serverLogs.push(loaded.stats);
    pushes.push(...loaded.pushes);
  }
  pushes.sort((a, b) => a.sent - b.sent);

  const volume = new Volume(opts.gapMs);
  const recent = new Recent();
  const detectors = DETECTORS.map((d) => d.create({ recent, options: { gapMs: opts.gapMs } }));
  const stages = new StageCollector();
  const signatures = new Signatures();
  const ruleCounts: Record<string, number> = {};
  const timeline: TimelineEvent[] = [];
  let timelineTruncated = 0;
  let lastTime = -Infinity;

  const inputs = opts.inputs.map((spec) => emptyStats(spec));
  const readOpts = {
    zone: opts.zone,
    zoneGiven: opts.zoneGiven,
    day: opts.day,
    volume,
    onBytes: opts.onBytes ?? ((): void => undefined),
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
  };
  const sources = opts.inputs.map((spec, i) =>
    guarded(readHits(i, spec, inputs[i] as InputStats, readOpts), inputs[i] as InputStats),
  );
  for await (const hit of mergeByTime(sources)) {
    const { entry, rule } = hit;
    lastTime = Math.max(lastTime, entry.time);
    ruleCounts[rule.id] = (ruleCounts[rule.id] ?? 0) + 1;
    for (const d of detectors) d.onHit(hit);
    recent.push(hit);
    stages.add(hit);
    signatures.add(hit);
    if (timeline.length >= MAX_TIMELINE) timelineTruncated++;
    else {
      timeline.push({
        time: formatTime(entry.time, entry.offset),
        file: files[entry.file] as string,
        line: entry.line,
        rule: rule.id,
        severity: rule.severity === 'noise' ? 'event' : rule.severity,
        lane: laneOf(rule.id, rule.catalog),
        title: rule.title,
        process: entry.process,
        message: entry.message.slice(0, 300),
      });
    }
  }

  const summary = volume.summary();
  if (summary.last) lastTime = Math.max(lastTime, summary.last.time);
  const traces = correlate(pushes, stages, summary.covers, {
    toleranceMs: opts.toleranceMs,
    maxDelayMs: opts.maxDelayMs,
  });
  const excerpts = new Set(inputs.flatMap((s, i) => (s.coverage === 'excerpt' ? [i] : [])));
  const findings = detectors.flatMap((d) =>
    d.finish({ volume: summary, traces, pushes, lastTime, excerpts }),
  );

  const evidence = (e: EvidenceRef): Evidence => {
    const out: Evidence = {
      file: files[e.file] as string,
      line: e.line,
      time: formatTime(e.time, e.offset),
      message: e.message.slice(0, 500),
    };
    if (e.process) out.process = e.process;
    if (e.rule) out.rule = e.rule;
    return out;
  };
  const toDiagnosis = (f: Finding, kind: Diagnosis['kind']): Diagnosis => {
    const spec = SPECS.get(f.id);
    const rule = RULES_BY_ID.get(f.id);
    return {
      id: f.id,
      kind,
      severity: f.severity,
      title: spec?.title ?? rule?.title ?? f.id,
      summary: f.summary,
      window: { start: formatTime(f.start, f.offset), end: formatTime(f.end, f.offset) },
      evidence: f.evidence.map(evidence),
      count: f.count,
      meaning: spec?.meaning ?? rule?.meaning ?? '',
      fix: spec?.fix ?? rule?.fix ?? '',
      sources: spec?.sources ?? (rule ? [rule.source] : []),
    };
  };
  const rank = (d: Diagnosis): number => (d.severity === 'fail' ? 0 : 1);
  const diagnoses = [
    ...findings.map((f) => ({ f, d: toDiagnosis(f, 'scenario') })),
    ...signatures.findings().map((f) => ({ f, d: toDiagnosis(f, 'signature') })),
  ]
    .sort((a, b) => rank(a.d) - rank(b.d) || a.f.start - b.f.start)
    .map((x) => x.d);

  const noise: Record<string, number> = {};
  for (const s of inputs) for (const [k, v] of Object.entries(s.noise)) noise[k] = (noise[k] ?? 0) + v;
  const sum = (
    k:
      | 'bytes'
      | 'lines'
      | 'entries'
      | 'hits'
      | 'unknownLines'
      | 'continuationLines'
      | 'assumedZone'
      | 'assumedDate',
  ): number => inputs.reduce((s, i) => s + i[k], 0);
  const elapsedMs = Date.now() - started;
  const bytes = sum('bytes');
  return {
    tool: 'voip-doctor',
    schemaVersion: 2,
    inputs,
    serverLogs,
    stats: {
      files: inputs.length,
      bytes,
      lines: sum('lines'),
      entries: sum('entries'),
      hits: sum('hits'),
      unknownLines: sum('unknownLines'),
      continuationLines: sum('continuationLines'),
      assumedZone: sum('assumedZone'),
      assumedDate: sum('assumedDate'),
      rules: ruleCounts,
      noise,
      first: summary.first ? formatTime(summary.first.time, summary.first.offset) : null,
      last: summary.last ? formatTime(summary.last.time, summary.last.offset) : null,
      elapsedMs,
      mbPerSecond: Math.round((bytes / 1024 / 1024 / Math.max(elapsedMs, 1)) * 1000 * 10) / 10,
    },
    diagnoses,
    groups: groupDiagnoses(diagnoses),
    timeline,
    timelineTruncated,
    correlation:
      opts.serverLogs.length === 0
        ? null
        : traces.map((t) => ({
            apnsId: t.push.apnsId ?? null,
            callId: t.push.callId ?? null,
            sent: formatTime(t.push.sent, t.push.offset),
            status: t.push.status ?? null,
            reason: t.push.reason ?? null,
            verdict: t.verdict,
            latencyMs: t.latencyMs === null ? null : Math.round(t.latencyMs),
            stages: {
              received: stageRef(t.stages.received, files),
              delivered: stageRef(t.stages.delivered, files),
              reported: stageRef(t.stages.reported, files),
              answered: stageRef(t.stages.answered, files),
              activated: stageRef(t.stages.activated, files),
            },
          })),
    volume: volumeSeries(summary, volume),
  };
}

function stageRef(
  e: EvidenceRef | undefined,
  files: string[],
): { time: string; file: string; line: number } | null {
  return e ? { time: formatTime(e.time, e.offset), file: files[e.file] as string, line: e.line } : null;
}

function volumeSeries(
  summary: ReturnType<Volume['summary']>,
  volume: Volume,
): { time: string; lines: number }[] {
  const perMinute = volume.perMinute();
  if (perMinute.length === 0 || !summary.first) return [];
  const step = Math.ceil(perMinute.length / MAX_VOLUME_POINTS);
  const out: { time: string; lines: number }[] = [];
  for (let i = 0; i < perMinute.length; i += step) {
    let lines = 0;
    for (let k = i; k < Math.min(i + step, perMinute.length); k++)
      lines += (perMinute[k] as [number, number])[1];
    out.push({ time: formatTime((perMinute[i] as [number, number])[0], summary.first.offset), lines });
  }
  return out;
}
