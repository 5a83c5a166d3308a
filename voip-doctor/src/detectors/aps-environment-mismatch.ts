/** Token registered in one APNs environment, pushed to the other: BadDeviceToken or silence. */
import type { Hit } from '../model.ts';
import type { ServerPush } from '../server-log.ts';
import { Clusters, finding, ref } from './kit.ts';
import type { Detector, EvidenceRef, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'aps-environment-mismatch',
  title: 'APNs environment mismatch (development vs production)',
  meaning:
    "The environment callservicesd logs at registration is the app's aps-environment entitlement: a " +
    'development build needs api.sandbox.push.apple.com, TestFlight/App Store builds api.push.apple.com. ' +
    'A push to the other host is refused with BadDeviceToken; a build switch invalidates the old token.',
  fix: 'Store the token together with its environment and send to the matching host; re-register after a build switch.',
  sources: [
    'https://github.com/EthanArbuckle/iPhone17-1_18.2_22C152_Restore/blob/f2374d1a3ed838584b9966f98b2531c70202701b/System/Library/PrivateFrameworks/TelephonyUtilities.framework/CSDVoIPApplicationController.m',
    'https://developer.apple.com/documentation/usernotifications/handling-error-responses-from-apns',
  ],
  covers: ['aps-environment-changed'],
};

const serverRef = (p: ServerPush): EvidenceRef => ({
  file: p.file,
  line: p.line,
  time: p.sent,
  offset: p.offset,
  process: 'server',
  message: p.message,
});

function envOf(value: string | undefined): 'development' | 'production' | undefined {
  if (!value) return undefined;
  if (/^(?:development|sandbox)$/i.test(value)) return 'development';
  if (/^production$/i.test(value)) return 'production';
  return undefined;
}

export function create(): Detector {
  const clusters = new Clusters(spec.id, 600_000);
  let registered: Hit | null = null;
  return {
    onHit(hit) {
      if (hit.rule.id === 'voip-registration' && envOf(hit.fields['env'])) registered = hit;
      if (hit.rule.id !== 'aps-environment-changed') return;
      const { f } = clusters.add(hit.entry.time, 'warn', [ref(hit)]);
      f.summary =
        `APS environment switched from ${hit.fields['from']} to ${hit.fields['to']}: the old VoIP token is void; ` +
        'the server must get the new one and use the matching APNs host.';
    },
    finish({ pushes }) {
      const out: Finding[] = [...clusters.all];
      const device = registered ? envOf(registered.fields['env']) : undefined;
      const wrongHost = device ? pushes.filter((p) => p.env && p.env !== device) : [];
      const badToken = pushes.filter((p) => p.reason === 'BadDeviceToken' && !wrongHost.includes(p));
      for (const [group, why] of [
        [
          wrongHost,
          `the phone registered for ${device ?? '?'} but the server pushed to ${wrongHost[0]?.env ?? '?'}`,
        ],
        [badToken, 'APNs answered BadDeviceToken: the token belongs to the other environment'],
      ] as const) {
        if (group.length === 0) continue;
        const evidence = [...(registered ? [ref(registered)] : []), ...group.map(serverRef)];
        const f = finding(spec.id, 'fail', `${group.length} push(es): ${why}.`, evidence);
        f.count = group.length;
        out.push(f);
      }
      return out;
    },
  };
}
