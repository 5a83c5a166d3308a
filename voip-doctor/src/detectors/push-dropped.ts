/** The push reached the phone and callservicesd threw it away. */
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec, Shared } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'push-dropped',
  title: 'VoIP push dropped on the floor',
  meaning:
    'APNs delivered the push (the server saw 200) but callservicesd discarded it because the app is blocked ' +
    'from VoIP launches: "200 OK from APNs but nothing on the device".',
  fix: 'Fix the reporting bug behind the block, then reinstall the app.',
  sources: [
    'https://developer.apple.com/forums/thread/784473',
    'https://github.com/EthanArbuckle/iPhone17-1_18.2_22C152_Restore/blob/f2374d1a3ed838584b9966f98b2531c70202701b/System/Library/PrivateFrameworks/TelephonyUtilities.framework/CSDReportingController.m',
  ],
  covers: ['voip-push-dropped'],
};

export function create(shared: Shared): Detector {
  const clusters = new Clusters(spec.id, 600_000);
  return {
    onHit(hit) {
      if (hit.rule.id !== 'voip-push-dropped') return;
      const t = hit.entry.time;
      const received = shared.recent.last(['aps-message-received'], t - 5000);
      const { f } = clusters.add(t, 'fail', received ? [ref(received), ref(hit)] : [ref(hit)]);
      const bundle = hit.fields['bundle'] ?? 'the app';
      f.summary = `${f.count} VoIP push(es) for ${bundle} reached the phone and were dropped.`;
    },
    finish: () => clusters.all,
  };
}
