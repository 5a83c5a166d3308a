/** The app activated the audio session before (or instead of) CallKit. */
import type { Hit } from '../model.ts';
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec, Shared } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'app-activated-audio-itself',
  title: 'App activated its audio session itself',
  meaning:
    'CallKit owns the call audio: callservicesd activates the session and the app is told in didActivate. ' +
    'An app that calls setActive(true) races that activation: refused activations, SessionID failures, ' +
    'one-way audio.',
  fix: 'Remove setActive(true) from the call path; start WebRTC audio (RTCAudioSession.isAudioEnabled) in didActivate.',
  sources: [
    'https://developer.apple.com/forums/thread/783870',
    'https://developer.apple.com/forums/thread/749202',
  ],
  covers: [],
};

const BY_CALLKIT = ['callservicesd-audio-activation', 'app-audio-did-activate'];

export function create(shared: Shared): Detector {
  const clusters = new Clusters(spec.id, 30_000);
  const callservicesd = new Set<number>();
  const flag = (hit: Hit, why: string): void => {
    const { f, fresh } = clusters.add(hit.entry.time, 'warn', [ref(hit)]);
    if (fresh) f.summary = why;
  };
  return {
    onHit(hit) {
      const e = hit.entry;
      if (e.process === 'callservicesd' && e.pid !== undefined) callservicesd.add(e.pid);
      if (hit.rule.id === 'app-audio-set-active') {
        if (!shared.recent.last(BY_CALLKIT, e.time - 2000, hit)) {
          flag(
            hit,
            `The app activated its audio session (line ${e.line}) without a CallKit activation before it.`,
          );
        }
      } else if (hit.rule.id === 'audio-session-activated') {
        const controller = Number(hit.fields['controller']);
        if (callservicesd.size > 0 && !callservicesd.has(controller)) {
          flag(
            hit,
            `Audio session activated by pid ${controller}, not by callservicesd (${[...callservicesd].join(', ')}).`,
          );
        }
      }
    },
    finish: () => clusters.all,
  };
}
