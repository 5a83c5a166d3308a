/** An audio interruption began and its end never came: an app waiting for that end stays silent. */
import type { Hit } from '../model.ts';
import { finding, ref } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'interruption-without-end',
  title: 'Audio interruption began and never ended',
  meaning:
    'An AVAudioSession interruption (a cellular call, an alarm, Siri) took the session and its end was never ' +
    'posted: Apple does not guarantee one (the user chose "End & Accept", or the system held the call). An ' +
    'app that waits for the end to resume audio stays silent: no audio or one-way.',
  fix:
    "Never wait for an interruption's end: resume audio only at CallKit's next provider(_:didActivate:) " +
    '(clear the interruption flag there) and on call end.',
  sources: [
    'https://developer.apple.com/documentation/avfaudio/handling-audio-interruptions',
    'https://developer.apple.com/documentation/callkit/cxproviderdelegate/provider(_:didactivate:)',
  ],
  covers: [],
};

const ACTIVATED = ['callservicesd-audio-activation', 'app-audio-did-activate'];
const ENDED = ['call-end-fulfilled', 'callkit-call-ended'];

export function create(): Detector {
  const out: Finding[] = [];
  let began: Hit | null = null;
  const close = (next: Hit | null, what: string): void => {
    if (!began) return;
    const f = finding(spec.id, 'warn', '', next ? [ref(began), ref(next)] : [ref(began)]);
    f.summary = `Interruption began at line ${began.entry.line} and never ended: ${what}.`;
    out.push(f);
    began = null;
  };
  return {
    onHit(hit) {
      const id = hit.rule.id;
      if (id === 'app-audio-interruption-began') began ??= hit;
      else if (id === 'app-audio-interruption-ended') began = null;
      else if (ACTIVATED.includes(id))
        close(hit, `audio resumed only by CallKit's didActivate at line ${hit.entry.line}`);
      else if (ENDED.includes(id)) close(hit, `the call ended at line ${hit.entry.line}`);
    },
    finish() {
      close(null, 'nothing followed');
      return out;
    },
  };
}
