/** callservicesd could not find the app's audio session: SessionID 0x0, no didActivate, no audio. */
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec, Shared } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'audio-session-id-null',
  title: 'CallKit audio session lookup failed (SessionID 0x0)',
  meaning:
    "The SessionID is how callservicesd finds the app's audio session; 0x0 comes from out-of-order CallKit " +
    'setup (CXProvider created before main) or an unhandled media-services reset. Result: no didActivate, ' +
    'one-way or no audio.',
  fix: 'Send setConfiguration right before each reportNewIncomingCall and never activate the audio session yourself.',
  sources: ['https://developer.apple.com/forums/thread/783870'],
  covers: ['audio-session-lookup-failed'],
};

export function create(shared: Shared): Detector {
  const clusters = new Clusters(spec.id, 60_000);
  return {
    onHit(hit) {
      if (hit.rule.id !== 'audio-session-lookup-failed') return;
      const t = hit.entry.time;
      const answered = shared.recent.last(['call-answered'], t - 10_000);
      const { f, fresh } = clusters.add(t, 'fail', answered ? [ref(answered), ref(hit)] : [ref(hit)]);
      if (fresh) {
        const sid = hit.fields['sid'] ?? '0x0';
        f.summary =
          `audiomxd could not find the session for SessionID ${sid}` +
          (answered ? `, ${Math.round(t - answered.entry.time)} ms after the answer` : '') +
          ': the app will get no didActivate.';
      }
    },
    finish: () => clusters.all,
  };
}
