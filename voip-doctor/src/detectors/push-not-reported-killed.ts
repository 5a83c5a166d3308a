/** First check: PushKit terminates the app when its delegate returns without reporting the call. */
import type { Hit } from '../model.ts';
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec, Shared } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'push-not-reported-killed',
  title: 'App killed by PushKit: push not reported to CallKit (first check)',
  meaning:
    'The PushKit delegate returned without calling reportNewIncomingCall; PKPushRegistry throws at once ' +
    '(_terminateAppIfThereAreUnhandledVoIPPushes). Typical causes: reporting after an async hop (network, JS bridge).',
  fix: 'Report the call synchronously inside the PushKit delegate, before calling its completion handler.',
  sources: [
    'https://developer.apple.com/forums/thread/801446',
    'https://developer.apple.com/forums/thread/799024',
  ],
  covers: ['pushkit-unreported-push-crash'],
};

const REPORTED = [
  'callkit-incoming-reported',
  'callkit-incoming-call-filtered',
  'callkit-incoming-call-refused',
  'pushkit-must-report-false',
];
const WINDOW_MS = 10_000;

export function create(shared: Shared): Detector {
  const clusters = new Clusters(spec.id, 3000);
  let delivered: Hit | null = null;
  return {
    onHit(hit) {
      const id = hit.rule.id;
      const t = hit.entry.time;
      if (delivered && t - delivered.entry.time > WINDOW_MS) delivered = null;
      if (id === 'voip-payload-delivered') delivered = hit;
      else if (REPORTED.includes(id) || id === 'callservicesd-killed-app') delivered = null;
      else if (id === 'pushkit-unreported-push-crash') {
        const before =
          delivered ??
          (clusters.joins(t)
            ? undefined
            : shared.recent.last(['voip-payload-delivered', 'app-push-received'], t - 30_000));
        const { f, fresh } = clusters.add(t, 'fail', before ? [ref(before), ref(hit)] : [ref(hit)]);
        if (fresh) {
          f.summary = before
            ? `Push delivered at line ${before.entry.line}, never reported; PushKit terminated the app ${Math.round(t - before.entry.time)} ms later.`
            : 'PushKit terminated the app: it never posted an incoming call after a VoIP push.';
        }
        delivered = null;
      } else if (id === 'app-terminated' && delivered) {
        const { f } = clusters.add(t, 'fail', [ref(delivered), ref(hit)]);
        f.summary =
          `Push delivered at line ${delivered.entry.line}, no call reported, and the app terminated ` +
          `${Math.round(t - delivered.entry.time)} ms later (crash report will show _terminateAppIfThereAreUnhandledVoIPPushes).`;
        delivered = null;
      }
    },
    finish: () => clusters.all,
  };
}
