/**
 * The farm's scenario matrix (issue 13, item 2): the app's state when the call comes, how it is
 * answered, which side calls, hold/resume, and which side hangs up. Each scenario has a stable id,
 * `<app state>/<answer path>/<direction>[/hold-resume]/hangup-<side>`, e.g.
 * `locked/lock-screen/iphone-receives/hangup-far`; results and reports key on it.
 *
 * Only the combinations a person can do exist: the app's own answer button needs the app on
 * screen, CallKit's banner shows over a foreground app and its full-screen UI in the background or
 * after a cold launch, the lock screen only when locked; an outgoing call is dialled in the app.
 * Before the first unlock iOS launches no app for a push, so that scenario's call must not connect:
 * it is run to prove the diagnosis, not the audio.
 */
import type { AppStateWhenCalled, ScenarioPushNeed } from './push-entitlement.ts';

export type AnswerPath = 'in-app' | 'callkit' | 'lock-screen';
export type Direction = ScenarioPushNeed['direction'];
export type HangupSide = 'far' | 'iphone';

export interface Scenario extends ScenarioPushNeed {
  answer: AnswerPath;
  hold: boolean;
  hangup: HangupSide;
  /** `unreachable`: iOS can't deliver the call in this state; the run expects a failure diagnosed as such. */
  expect: 'two-way' | 'unreachable';
}

const ANSWERS: Record<AppStateWhenCalled, AnswerPath[]> = {
  foreground: ['in-app', 'callkit'],
  background: ['callkit'],
  locked: ['lock-screen'],
  killed: ['callkit'],
  'before-first-unlock': ['lock-screen'],
};

function idOf(s: Omit<Scenario, 'id' | 'expect'>): string {
  return [s.appState, s.answer, s.direction, ...(s.hold ? ['hold-resume'] : []), `hangup-${s.hangup}`].join(
    '/',
  );
}

function build(): Scenario[] {
  const out: Scenario[] = [];
  const add = (s: Omit<Scenario, 'id' | 'expect'>, expect: Scenario['expect'] = 'two-way') =>
    out.push({ ...s, id: idOf(s), expect });
  for (const appState of ['foreground', 'background', 'locked', 'killed'] as const)
    for (const answer of ANSWERS[appState])
      for (const hold of [false, true])
        for (const hangup of ['far', 'iphone'] as const)
          add({ appState, answer, direction: 'iphone-receives', hold, hangup });
  for (const hold of [false, true])
    for (const hangup of ['far', 'iphone'] as const)
      add({ appState: 'foreground', answer: 'in-app', direction: 'iphone-calls', hold, hangup });
  add(
    {
      appState: 'before-first-unlock',
      answer: 'lock-screen',
      direction: 'iphone-receives',
      hold: false,
      hangup: 'far',
    },
    'unreachable',
  );
  return out;
}

export const SCENARIOS: readonly Scenario[] = build();
const BY_ID = new Map(SCENARIOS.map((s) => [s.id, s]));

export class ScenarioListError extends Error {}

/**
 * `all`, or a comma list of ids and prefixes ending in `/` or `*` (`locked/*`, `foreground/`):
 * every id must match something, so a typo is an error, not an empty run.
 */
export function selectScenarios(list: string): Scenario[] {
  if (list.trim() === 'all') return [...SCENARIOS];
  const picked = new Set<Scenario>();
  for (const raw of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const prefix = raw.endsWith('*') ? raw.slice(0, -1) : raw.endsWith('/') ? raw : null;
    const hits = prefix !== null ? SCENARIOS.filter((s) => s.id.startsWith(prefix)) : [BY_ID.get(raw)];
    const found = hits.filter((s): s is Scenario => s !== undefined);
    if (found.length === 0)
      throw new ScenarioListError(
        `no scenario "${raw}"; ids look like ${SCENARIOS[0]?.id} (\`--scenarios list\` prints them all)`,
      );
    for (const s of found) picked.add(s);
  }
  return SCENARIOS.filter((s) => picked.has(s));
}
