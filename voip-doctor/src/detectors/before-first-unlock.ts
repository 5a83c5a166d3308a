/** The phone had not been unlocked since boot: keychain closed, VoIP launches unreliable. */
import type { Hit } from '../model.ts';
import { MAX_EVIDENCE, ref } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'before-first-unlock',
  title: 'Phone not unlocked since boot (Before First Unlock)',
  meaning:
    'Until the first unlock after a reboot, keychain items protected "WhenUnlocked" are unreadable and VoIP ' +
    'launches are inconsistent; an app that then fails to report the push still gets killed, and later ' +
    'pushes are dropped.',
  fix: 'Use AfterFirstUnlock keychain classes for what the push path needs; report the call, then end it gracefully.',
  sources: ['https://developer.apple.com/forums/thread/784473'],
  covers: ['before-first-unlock'],
};

/** Push-path failures worth naming when they happen while the phone is locked since boot. */
const FAILURES = [
  'callservicesd-killed-app',
  'pushkit-unreported-push-crash',
  'pushkit-no-connection',
  'voip-push-dropped',
  'voip-launch-blocked',
  'app-terminated',
];

export function create(): Detector {
  const out: Finding[] = [];
  let open: { f: Finding; failures: number } | null = null;
  const close = (): void => {
    if (!open) return;
    const { f, failures } = open;
    f.summary =
      'The phone was not unlocked since boot' +
      (failures ? `; ${failures} push failure(s) happened in that state.` : ' around these lines.');
    out.push(f);
    open = null;
  };
  return {
    onHit(hit: Hit) {
      const id = hit.rule.id;
      const t = hit.entry.time;
      if (id === 'before-first-unlock') {
        if (!open) {
          open = {
            f: {
              id: spec.id,
              severity: 'warn',
              summary: '',
              start: t,
              end: t,
              offset: hit.entry.offset,
              evidence: [ref(hit)],
              count: 1,
            },
            failures: 0,
          };
        } else {
          open.f.end = t;
          open.f.count++;
        }
      } else if (id === 'unlocked-since-boot' && open) {
        open.f.end = t;
        if (open.f.evidence.length < MAX_EVIDENCE) open.f.evidence.push(ref(hit));
        close();
      } else if (open && FAILURES.includes(id)) {
        open.failures++;
        open.f.end = t;
        if (open.f.evidence.length < MAX_EVIDENCE) open.f.evidence.push(ref(hit));
      }
    },
    finish() {
      close();
      return out;
    },
  };
}
