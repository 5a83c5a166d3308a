/**
 * Which scenarios a phone can run, from whether its app gets a VoIP token. Public farms re-sign
 * uploaded apps and strip the Push Notifications entitlement PushKit needs (BrowserStack, AWS Device
 * Farm and Sauce Labs outside private devices; device-farm-notes.md), and an app can't tell that its
 * pushes are blocked: on such a phone PushKit never hands over a token. A call to a phone whose app
 * isn't running in the foreground arrives only by a VoIP push, so those scenarios are skipped there,
 * each with its reason, and the rest run.
 */
import { FARMS, type Farm } from '../../../appium.config.ts';
import type { Iphone } from './iphone.ts';

export type AppStateWhenCalled = 'foreground' | 'background' | 'locked' | 'killed' | 'before-first-unlock';

export interface ScenarioPushNeed {
  id: string;
  appState: AppStateWhenCalled;
  direction: 'iphone-receives' | 'iphone-calls';
}

/**
 * Only a call to the iPhone can need a push, and only when the app's own socket can't carry it: in
 * the background iOS suspends the app within seconds, and locked, killed or before the first unlock
 * it has no socket at all.
 */
export function needsVoipPush(s: Pick<ScenarioPushNeed, 'appState' | 'direction'>): boolean {
  return s.direction === 'iphone-receives' && s.appState !== 'foreground';
}

export interface VoipTokenCheck {
  device: string;
  /** null for the simulated iPhone. */
  farm: Farm | null;
  registered: boolean;
  waitedMs: number;
}

export interface ScenarioPlan {
  run: string[];
  skipped: { scenario: string; why: string }[];
}

export function planScenarios(scenarios: ScenarioPushNeed[], check: VoipTokenCheck): ScenarioPlan {
  if (check.registered) return { run: scenarios.map((s) => s.id), skipped: [] };
  const cause =
    check.farm === null
      ? "the simulated iPhone was started without a token (the rig's `pushes` option)"
      : FARMS[check.farm].stripsPushEntitlement
        ? `${check.farm} re-signs the app and strips the Push Notifications entitlement PushKit needs`
        : 'check the app is signed with the Push Notifications entitlement (aps-environment) and the server has an APNs key for it';
  const why = `no VoIP token within ${Math.round(check.waitedMs / 1000)} s on "${check.device}" (${cause}); this scenario rings the iPhone by a VoIP push`;
  const plan: ScenarioPlan = { run: [], skipped: [] };
  for (const s of scenarios) {
    if (needsVoipPush(s)) plan.skipped.push({ scenario: s.id, why });
    else plan.run.push(s.id);
  }
  return plan;
}

/**
 * PushKit hands the token over at launch (the shell logs `voip token updated`), so the app is
 * started afresh and given `timeoutMs`.
 */
export async function checkVoipToken(
  iphone: Iphone,
  farm: Farm | null,
  timeoutMs: number,
): Promise<VoipTokenCheck> {
  await iphone.terminate();
  await iphone.launch();
  const registered = await iphone.waitForVoipToken(timeoutMs);
  return { device: iphone.device, farm, registered, waitedMs: timeoutMs };
}
