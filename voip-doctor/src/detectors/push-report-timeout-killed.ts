/** Second check: ~7 s after delivery callservicesd kills an app that has not reported a call (0xbaadca11). */
import type { Hit } from '../model.ts';
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec, Shared } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'push-report-timeout-killed',
  title: 'App killed by callservicesd: no call reported in time (second check, 0xbaadca11)',
  meaning:
    'callservicesd launched the app for a push, but no call was reported within its timer (7 s under strict ' +
    'policy); it killed the app with 0xbaadca11 and raised its kill count. Usual causes: PKPushRegistry ' +
    'delegate not set at launch, main thread blocked, wrong NEAppPushManager instance.',
  fix:
    'Create PKPushRegistry and set its delegate in didFinishLaunching; keep the main thread free; report ' +
    'the call before any other work.',
  sources: [
    'https://developer.apple.com/forums/thread/817976',
    'https://developer.apple.com/forums/thread/801446',
  ],
  covers: ['callservicesd-killed-app', 'pushkit-no-connection', 'local-push-no-delegate'],
};

const LEAD_UP = [
  'aps-message-received',
  'voip-app-launched',
  'voip-payload-delivered',
  'pushkit-no-connection',
];

export function create(shared: Shared): Detector {
  const clusters = new Clusters(spec.id, 15_000);
  return {
    onHit(hit: Hit) {
      const id = hit.rule.id;
      if (!spec.covers.includes(id)) return;
      const t = hit.entry.time;
      const before = id === 'callservicesd-killed-app' ? shared.recent.since(LEAD_UP, t - 35_000) : [];
      const { f } = clusters.add(t, 'fail', [...before.map(ref), ref(hit)]);
      const lines = f.evidence.map((e) => e.rule);
      const launched = f.evidence.find(
        (e) => e.rule === 'voip-app-launched' || e.rule === 'aps-message-received',
      );
      const cause = lines.includes('pushkit-no-connection')
        ? 'the app never opened its PushKit connection (delegate not set at launch)'
        : lines.includes('local-push-no-delegate')
          ? 'the NEAppPushManager delegate was not set'
          : lines.includes('voip-payload-delivered')
            ? 'the payload was delivered but no call was reported'
            : 'no call was reported';
      const killed = lines.includes('callservicesd-killed-app');
      f.summary =
        (killed ? 'callservicesd killed the app' : 'callservicesd will kill the app') +
        (launched ? ` ${((f.end - launched.time) / 1000).toFixed(1)} s after the push` : '') +
        `: ${cause}.`;
    },
    finish: () => clusters.all,
  };
}
