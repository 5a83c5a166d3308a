/** The network link kept changing quality: pushes delayed, media choppy. */
import type { Hit } from '../model.ts';
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'link-quality-flapping',
  title: 'Network link quality flapping',
  meaning:
    'apsd saw the interface change quality again and again in a short time: the APNs connection and the ' +
    'media path were unstable, which delays pushes and breaks audio.',
  fix: 'Nothing in the app; test on a stable network, and prefer ICE restarts over new calls when the link changes.',
  sources: ['https://developer.apple.com/forums/thread/834530'],
  covers: ['link-quality-changed'],
};

const WINDOW_MS = 120_000;
const CHANGES = 4;

export function create(): Detector {
  const clusters = new Clusters(spec.id, WINDOW_MS);
  let window: Hit[] = [];
  return {
    onHit(hit) {
      if (hit.rule.id !== 'link-quality-changed') return;
      const t = hit.entry.time;
      window = window.filter((h) => t - h.entry.time <= WINDOW_MS);
      window.push(hit);
      if (window.length < CHANGES) return;
      const { f } = clusters.add(t, 'warn', window.map(ref));
      f.start = Math.min(f.start, (window[0] as Hit).entry.time);
      f.count = Math.max(f.count, window.length);
      f.summary = `Link quality changed ${CHANGES}+ times within ${WINDOW_MS / 60_000} min (latest: ${hit.fields['iface'] ?? '?'} ${hit.fields['from'] ?? '?'} → ${hit.fields['to'] ?? '?'}).`;
    },
    finish: () => clusters.all,
  };
}
