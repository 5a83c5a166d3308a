/** CallKit activated the audio session again while it was still active. */
import type { Hit } from '../model.ts';
import { MAX_EVIDENCE, finding, ref } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'audio-activated-twice',
  title: 'Audio session activated twice',
  meaning:
    'didActivate came again for a session already active (no didDeactivate, interruption or call end ' +
    "between). An app that restarts its audio unit or counts libwebrtc's RTCAudioSession activation on each " +
    'didActivate (audioSessionDidActivate twice: count 2) ends up unbalanced, and a later call gets no audio ' +
    'or one-way.',
  fix: "Make didActivate idempotent: libwebrtc's activation count must be exactly 1 while the session is yours.",
  sources: ['https://developer.apple.com/documentation/callkit/cxproviderdelegate/provider(_:didactivate:)'],
  covers: [],
};

const BY_CALLSERVICESD = 'callservicesd-audio-activation';
const BY_APP = 'app-audio-did-activate';
/** An interruption's begin deactivates the session too: the didActivate after it is CallKit resuming it. */
const DEACTIVATED = [
  'app-audio-did-deactivate',
  'app-audio-interruption-began',
  'call-end-fulfilled',
  'callkit-call-ended',
];
/** Lines this close are one activation: callservicesd writes two of them, an app may write several. */
const SAME_ACTIVATION_MS = 1000;

export function create(): Detector {
  const out: Finding[] = [];
  let callservicesd = false;
  let active: Hit | null = null;
  let twice: Finding | null = null;
  return {
    onHit(hit) {
      const id = hit.rule.id;
      if (DEACTIVATED.includes(id)) {
        active = null;
        twice = null;
        return;
      }
      // The app's didActivate is the activation callservicesd logged just before: it counts only in a log
      // without callservicesd's lines (the app's alone).
      if (id === BY_CALLSERVICESD) callservicesd = true;
      else if (id !== BY_APP || callservicesd) return;
      const t = hit.entry.time;
      if (active && t - active.entry.time <= SAME_ACTIVATION_MS) return;
      if (twice) {
        twice.end = t;
        twice.count++;
        if (twice.evidence.length < MAX_EVIDENCE) twice.evidence.push(ref(hit));
      } else if (active) {
        twice = finding(spec.id, 'warn', '', [ref(active), ref(hit)]);
        twice.summary =
          `CallKit activated the audio session again at line ${hit.entry.line}, still active since ` +
          `line ${active.entry.line} (no didDeactivate, interruption or call end between).`;
        out.push(twice);
      }
      active = hit;
    },
    finish: () => out,
  };
}
