/** The call was answered but nobody activated its audio within a few seconds: silence both ways. */
import type { Hit } from '../model.ts';
import { finding, ref } from './kit.ts';
import type { Detector, Finding, ScenarioSpec, Shared } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'audio-not-activated',
  title: 'Call answered but its audio was never activated',
  meaning:
    'After the answer callservicesd must activate the audio session ("Setting audio active … for provider") ' +
    'and the app gets didActivate, where WebRTC audio starts. Neither happened, so the call has no audio.',
  fix:
    'Do not activate the session yourself; configure it before reporting, and start audio only in ' +
    'provider(_:didActivate:). Check for a SessionID 0x0 failure.',
  sources: ['https://developer.apple.com/forums/thread/783870'],
  covers: [],
};

const ACTIVATED = ['callservicesd-audio-activation', 'app-audio-did-activate', 'audio-session-activated'];
const ENDED = ['call-end-fulfilled', 'callkit-call-ended'];
const CONTEXT = [
  'audio-session-lookup-failed',
  'audio-activation-insufficient-priority',
  'app-audio-set-active',
];
const DEADLINE_MS = 5000;

export function create(shared: Shared): Detector {
  const out: Finding[] = [];
  let answer: Hit | null = null;
  const expire = (now: number): void => {
    if (!answer || now - answer.entry.time <= DEADLINE_MS) return;
    const context = shared.recent.since(CONTEXT, answer.entry.time);
    const f = finding(spec.id, 'fail', '', [ref(answer), ...context.map(ref)]);
    f.end = answer.entry.time + DEADLINE_MS;
    f.summary =
      `Answered at line ${answer.entry.line}; no audio activation within ${DEADLINE_MS / 1000} s` +
      (context.length ? ` (${context.map((c) => c.rule.id).join(', ')} seen).` : '.');
    out.push(f);
    answer = null;
  };
  return {
    onHit(hit) {
      const id = hit.rule.id;
      expire(hit.entry.time);
      if (id === 'call-answered') answer ??= hit;
      else if (ACTIVATED.includes(id) || ENDED.includes(id)) answer = null;
    },
    finish({ lastTime }) {
      expire(lastTime);
      return out;
    },
  };
}
