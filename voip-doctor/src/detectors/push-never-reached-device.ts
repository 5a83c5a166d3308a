/** The server sent a push (APNs said 200) and the phone's log, covering that time, never saw it. */
import { lineRef } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'push-never-reached-device',
  title: 'Push never reached the device',
  meaning:
    'APNs accepted the push but neither apsd nor callservicesd logged it while the log covers that time. ' +
    'Causes: wrong APNs environment or topic, device offline or in restricted idle, or APNs kept only the ' +
    'latest notification per bundle while the phone was unreachable.',
  fix: 'Check the topic (<bundle>.voip) and the APNs host, give Apple the apns-id for a trace, and look at the network around the send time.',
  sources: [
    'https://developer.apple.com/forums/thread/823102',
    'https://developer.apple.com/forums/thread/834530',
  ],
  covers: [],
};

export function create(): Detector {
  return {
    onHit() {},
    finish({ traces }): Finding[] {
      const lost = traces.filter((t) => t.verdict === 'never-received');
      return lost.map(({ push }) => ({
        id: spec.id,
        severity: 'fail',
        summary: `Push ${[push.apnsId, push.callId && `(call ${push.callId})`].filter(Boolean).join(' ')} was sent and never logged by apsd or callservicesd.`,
        start: push.sent,
        end: push.sent,
        offset: push.offset,
        evidence: [{ ...lineRef({ ...push, time: push.sent }, push.message), process: 'server' }],
        count: 1,
      }));
    },
  };
}
