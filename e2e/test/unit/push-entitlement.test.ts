/** Which scenarios run on a phone without a VoIP token, and why the others are skipped. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Iphone } from '../../src/farm/iphone.ts';
import {
  checkVoipToken,
  needsVoipPush,
  planScenarios,
  type ScenarioPushNeed,
} from '../../src/farm/push-entitlement.ts';

const scenarios: ScenarioPushNeed[] = [
  { id: 'foreground/in-app/iphone-receives', appState: 'foreground', direction: 'iphone-receives' },
  { id: 'foreground/in-app/iphone-calls', appState: 'foreground', direction: 'iphone-calls' },
  { id: 'background/callkit-banner/iphone-receives', appState: 'background', direction: 'iphone-receives' },
  { id: 'locked/lock-screen/iphone-receives', appState: 'locked', direction: 'iphone-receives' },
  { id: 'killed/lock-screen/iphone-receives', appState: 'killed', direction: 'iphone-receives' },
];

describe('push entitlement detection', () => {
  it('only a call to an app that is not in the foreground needs a push', () => {
    assert.deepEqual(
      scenarios.map((s) => needsVoipPush(s)),
      [false, false, true, true, true],
    );
    assert.equal(needsVoipPush({ appState: 'before-first-unlock', direction: 'iphone-receives' }), true);
    assert.equal(needsVoipPush({ appState: 'locked', direction: 'iphone-calls' }), false);
  });

  it('a token: every scenario runs', () => {
    const plan = planScenarios(scenarios, {
      device: 'lab-iphone',
      farm: 'self-hosted',
      registered: true,
      waitedMs: 30_000,
    });
    assert.deepEqual(
      plan.run,
      scenarios.map((s) => s.id),
    );
    assert.deepEqual(plan.skipped, []);
  });

  it('no token on a public farm: the push scenarios are skipped, each saying the farm strips the entitlement', () => {
    const plan = planScenarios(scenarios, {
      device: 'bs-iphone-16',
      farm: 'browserstack',
      registered: false,
      waitedMs: 30_000,
    });
    assert.deepEqual(plan.run, ['foreground/in-app/iphone-receives', 'foreground/in-app/iphone-calls']);
    assert.deepEqual(
      plan.skipped.map((s) => s.scenario),
      [
        'background/callkit-banner/iphone-receives',
        'locked/lock-screen/iphone-receives',
        'killed/lock-screen/iphone-receives',
      ],
    );
    for (const s of plan.skipped) {
      assert.match(s.why, /no VoIP token within 30 s on "bs-iphone-16"/);
      assert.match(s.why, /browserstack re-signs the app and strips the Push Notifications entitlement/);
    }
  });

  it('no token on a self-hosted phone or a private farm device: the reason points at signing and the APNs key', () => {
    for (const farm of ['self-hosted', 'sauce-labs-private'] as const) {
      const plan = planScenarios(scenarios, {
        device: 'lab-iphone',
        farm,
        registered: false,
        waitedMs: 45_000,
      });
      assert.equal(plan.skipped.length, 3);
      assert.match(plan.skipped[0]?.why ?? '', /within 45 s .*aps-environment.*APNs key/);
      assert.doesNotMatch(plan.skipped[0]?.why ?? '', /re-signs/);
    }
  });

  it('the check relaunches the app (PushKit hands the token over at launch) and waits for it', async () => {
    const calls: string[] = [];
    const iphone = {
      device: 'bs-iphone-16',
      terminate: () => Promise.resolve(void calls.push('terminate')),
      launch: () => Promise.resolve(void calls.push('launch')),
      waitForVoipToken: (ms: number) => Promise.resolve(calls.push(`wait ${ms}`) < 0),
    } as unknown as Iphone;
    const check = await checkVoipToken(iphone, 'browserstack', 30_000);
    assert.deepEqual(calls, ['terminate', 'launch', 'wait 30000']);
    assert.deepEqual(check, {
      device: 'bs-iphone-16',
      farm: 'browserstack',
      registered: false,
      waitedMs: 30_000,
    });
  });
});
