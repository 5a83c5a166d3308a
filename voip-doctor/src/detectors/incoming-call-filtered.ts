/** The system refused to show the call (Focus, block list …): not an app bug. */
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'incoming-call-filtered',
  title: 'Incoming call filtered by the system',
  meaning:
    'reportNewIncomingCall failed with a filter error: 3 Do Not Disturb / Focus, 4 block list, 5 restricted ' +
    'sharing mode, 7 sensitive participants. The push was handled correctly (it counts as reported), the ' +
    'phone just did not ring.',
  fix: 'Nothing to fix in the app; tell the user which filter applied (Focus settings, blocked contacts).',
  sources: [
    'https://developer.apple.com/documentation/callkit/cxerrorcodeincomingcallerror-swift.struct',
    'https://developer.apple.com/forums/thread/768136',
  ],
  covers: ['callkit-incoming-call-filtered'],
};

const REASONS: Readonly<Record<string, string>> = {
  '3': 'Do Not Disturb / Focus',
  '4': 'the block list',
  '5': 'restricted sharing mode',
  '7': 'sensitive participants',
};

export function create(): Detector {
  const clusters = new Clusters(spec.id, 60_000);
  return {
    onHit(hit) {
      if (hit.rule.id !== 'callkit-incoming-call-filtered') return;
      const { f, fresh } = clusters.add(hit.entry.time, 'warn', [ref(hit)]);
      if (fresh) {
        const code = hit.fields['code'] ?? '?';
        f.summary = `Incoming call filtered by ${REASONS[code] ?? 'a system filter'} (incomingcall error ${code}).`;
      }
    },
    finish: () => clusters.all,
  };
}
