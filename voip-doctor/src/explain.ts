/**
 * Which finding is the likely cause of which: a phone locked since boot gets the app killed for every push
 * it cannot report, the kills get it blocked from VoIP launches, and the blocked app's pushes are dropped.
 * Repeated findings of one id become one group; a group that another group explains is listed under it,
 * so the report opens with the root cause instead of with the first of 27 identical symptoms.
 */
import type { Diagnosis } from './model.ts';

/** When an occurrence of the effect counts as explained by an occurrence of the cause. */
type Timing =
  /** The effect starts inside the cause's window (a slack either side for clock rounding). */
  | 'during'
  /** The effect starts inside the cause's window or after it: a state the cause left behind. */
  | 'during-or-after';

interface Relation {
  cause: string;
  effect: string;
  timing: Timing;
  /** Why, in the report's words. */
  because: string;
}

/** The model. Sources are those of the detectors involved (shared/docs/voip-log-signatures.md §1). */
export const RELATIONS: readonly Relation[] = [
  ...['push-report-timeout-killed', 'push-not-reported-killed', 'voip-launch-blocked', 'push-dropped'].map(
    (effect): Relation => ({
      cause: 'before-first-unlock',
      effect,
      timing: 'during-or-after',
      because:
        'before the first unlock the app cannot read its keychain and fails to report pushes; the kills it earns block later pushes',
    }),
  ),
  ...['push-report-timeout-killed', 'push-not-reported-killed'].flatMap((cause) =>
    ['voip-launch-blocked', 'push-dropped'].map((effect): Relation => ({
      cause,
      effect,
      timing: 'during-or-after',
      because: 'each kill for an unreported push counts; after three, callservicesd stops launching the app',
    })),
  ),
  {
    cause: 'voip-launch-blocked',
    effect: 'push-dropped',
    timing: 'during-or-after',
    because: 'a blocked app gets its pushes dropped on the floor',
  },
  {
    cause: 'link-quality-flapping',
    effect: 'push-never-reached-device',
    timing: 'during',
    because: 'APNs keeps only the latest push while the courier connection is down on an unstable link',
  },
  {
    cause: 'aps-environment-mismatch',
    effect: 'push-never-reached-device',
    timing: 'during-or-after',
    because: 'a token of the other APNs environment is accepted by nobody',
  },
  {
    cause: 'log-purged',
    effect: 'push-never-reached-device',
    timing: 'during',
    because: 'the lines that would show the push were purged from the log',
  },
];

/** Clock rounding between the server's and the phone's times. */
const SLACK_MS = 5_000;

export interface DiagnosisGroup {
  id: string;
  kind: Diagnosis['kind'];
  /** The worst severity among the group's diagnoses. */
  severity: Diagnosis['severity'];
  title: string;
  /** Indexes into `diagnoses`, in time order. */
  diagnoses: number[];
  /** Lines behind the group (the sum of its diagnoses' counts). */
  count: number;
  window: { start: string; end: string };
  /** The group this one is most likely a consequence of (its root when there is a chain). */
  explainedBy: { id: string; because: string; occurrences: number } | null;
  /** Groups that trace back to this one, root causes only. */
  explains: string[];
  rootCause: boolean;
}

function holds(relation: Relation, cause: Diagnosis, effect: Diagnosis): boolean {
  const start = Date.parse(cause.window.start) - SLACK_MS;
  const end = Date.parse(cause.window.end) + SLACK_MS;
  const t = Date.parse(effect.window.start);
  return relation.timing === 'during' ? t >= start && t <= end : t >= start;
}

/**
 * Groups `diagnoses` by id and orders the groups: root causes first (failures before warnings, then by
 * time), each followed by what it explains, then the findings nothing explains.
 */
export function groupDiagnoses(diagnoses: readonly Diagnosis[]): DiagnosisGroup[] {
  const byId = new Map<string, DiagnosisGroup>();
  diagnoses.forEach((d, i) => {
    const g = byId.get(d.id);
    if (!g) {
      byId.set(d.id, {
        id: d.id,
        kind: d.kind,
        severity: d.severity,
        title: d.title,
        diagnoses: [i],
        count: d.count,
        window: { ...d.window },
        explainedBy: null,
        explains: [],
        rootCause: false,
      });
      return;
    }
    g.diagnoses.push(i);
    g.count += d.count;
    if (d.severity === 'fail') g.severity = 'fail';
    if (Date.parse(d.window.start) < Date.parse(g.window.start)) g.window.start = d.window.start;
    if (Date.parse(d.window.end) > Date.parse(g.window.end)) g.window.end = d.window.end;
  });
  for (const g of byId.values())
    g.diagnoses.sort(
      (a, b) =>
        Date.parse((diagnoses[a] as Diagnosis).window.start) -
        Date.parse((diagnoses[b] as Diagnosis).window.start),
    );

  // Direct causes: a relation whose cause is present and covers at least one occurrence of the effect.
  const direct = new Map<string, { id: string; because: string; occurrences: number }>();
  for (const effect of byId.values()) {
    for (const r of RELATIONS) {
      const cause = byId.get(r.cause);
      if (r.effect !== effect.id || !cause || direct.has(effect.id)) continue;
      const occurrences = effect.diagnoses.filter((e) =>
        cause.diagnoses.some((c) => holds(r, diagnoses[c] as Diagnosis, diagnoses[e] as Diagnosis)),
      ).length;
      if (occurrences > 0) direct.set(effect.id, { id: cause.id, because: r.because, occurrences });
    }
  }
  // The relations form no cycle (causes come before effects in RELATIONS' chains), so walking up ends.
  const rootOf = (id: string): string => {
    const seen = new Set<string>();
    let at = id;
    while (direct.has(at) && !seen.has(at)) {
      seen.add(at);
      at = (direct.get(at) as { id: string }).id;
    }
    return at;
  };
  for (const g of byId.values()) {
    const d = direct.get(g.id);
    if (!d) continue;
    const root = rootOf(g.id);
    g.explainedBy = root === d.id ? d : { ...d, id: root };
    (byId.get(root) as DiagnosisGroup).explains.push(g.id);
  }
  const rank = (g: DiagnosisGroup): number => (g.severity === 'fail' ? 0 : 1);
  const time = (g: DiagnosisGroup): number => Date.parse(g.window.start);
  const roots = [...byId.values()].filter((g) => g.explains.length > 0);
  for (const r of roots) r.rootCause = true;
  roots.sort((a, b) => rank(a) - rank(b) || time(a) - time(b));
  const out: DiagnosisGroup[] = [];
  for (const r of roots) {
    out.push(r);
    const effects = r.explains.map((id) => byId.get(id) as DiagnosisGroup);
    effects.sort((a, b) => time(a) - time(b));
    r.explains = effects.map((e) => e.id);
    out.push(...effects);
  }
  const rest = [...byId.values()].filter((g) => !g.rootCause && !g.explainedBy);
  rest.sort((a, b) => rank(a) - rank(b) || time(a) - time(b));
  return [...out, ...rest];
}
