/** The app tried to activate audio while CallKit's session owned it. */
import { Clusters, ref } from './kit.ts';
import type { Detector, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'audio-activation-insufficient-priority',
  title: 'Audio activation refused: insufficient priority',
  meaning:
    "The app activated its audio session itself (e.g. after unhold) while the call's CallKit session had " +
    'priority; the system refuses on purpose ("avoid any situation when the user could be overheard").',
  fix: 'Wait for provider(_:didActivate:) after unhold instead of activating the session.',
  sources: [
    'https://developer.apple.com/forums/thread/749202',
    'https://github.com/react-native-webrtc/react-native-callkeep/issues/489',
  ],
  covers: ['audio-activation-insufficient-priority', 'audio-server-insufficient-priority'],
};

export function create(): Detector {
  const clusters = new Clusters(spec.id, 30_000);
  return {
    onHit(hit) {
      if (!spec.covers.includes(hit.rule.id)) return;
      const { f } = clusters.add(hit.entry.time, 'fail', [ref(hit)]);
      f.summary = `Audio session activation refused for insufficient priority (${f.count} line(s)).`;
    },
    finish: () => clusters.all,
  };
}
