/** The kill count passed its limit: callservicesd no longer launches the app for VoIP pushes. */
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'voip-launch-blocked',
  title: 'App blocked from VoIP launches (kill count exceeded)',
  meaning:
    'After more than two kills for not reporting calls (strict policy) callservicesd refuses to launch the ' +
    'app for VoIP pushes; in the foreground it still delivers, which hides the block while testing.',
  fix: 'Fix the reporting bug (see earlier kills), then delete and reinstall the app to clear the kill count.',
  sources: [
    'https://github.com/EthanArbuckle/iPhone17-1_18.2_22C152_Restore/blob/f2374d1a3ed838584b9966f98b2531c70202701b/System/Library/PrivateFrameworks/TelephonyUtilities.framework/CSDVoIPApplicationController.m',
    'https://developer.apple.com/forums/thread/768136',
  ],
  covers: ['voip-launch-blocked', 'voip-app-disabled-from-launching', 'voip-blocked-foreground-only'],
};

const KILLS = ['callservicesd-killed-app', 'pushkit-unreported-push-crash'];

export function create(): Detector {
  const clusters = new Clusters(spec.id, 600_000);
  let kills = 0;
  let lastKill = -Infinity;
  return {
    onHit(hit) {
      const id = hit.rule.id;
      const t = hit.entry.time;
      if (KILLS.includes(id)) {
        // The three lines of one kill count once.
        if (t - lastKill > 5000) kills++;
        lastKill = t;
      } else if (id === 'voip-kill-counts-reset') kills = 0;
      else if (spec.covers.includes(id)) {
        const foreground = id === 'voip-blocked-foreground-only';
        const { f } = clusters.add(t, foreground ? 'warn' : 'fail', [ref(hit)]);
        const seen = kills ? ` ${kills} kill(s) for unreported pushes appear earlier in this log.` : '';
        f.summary = foreground
          ? `App is blocked from VoIP launches; pushes arrive only because it is in the foreground (${f.count}×).${seen}`
          : `callservicesd refuses to launch the app for VoIP pushes (${f.count}×).${seen}`;
      }
    },
    finish: () => clusters.all,
  };
}
