/**
 * A farm run on the simulated iPhone: the scenario matrix × engines × N calls, a fault per call
 * where asked, each call judged per direction (uplink at the far end, downlink by the phone), the
 * result appended to the JSON lines file the moment the call is judged, and every call that isn't
 * two-way (or carried a fault) diagnosed by voip-doctor from its device log window and the server's
 * push log. Calls wait for conditions (ringing, in-call, heard, the watchdog's flag), never for time,
 * except a late answer, which is the fault itself.
 */
import path from 'node:path';
import type { SystemEvent } from '@softphone/web/callkit-simulator';
import { judgeDirection, type DirectionResult } from '../audio/verdict.ts';
import { IphoneParty } from '../rig/iphone-party.ts';
import type { Party } from '../rig/party.ts';
import { Rig } from '../rig/rig.ts';
import { diagnoseCall } from './diagnose.ts';
import { FaultPicker, WATCHDOG_MS, type Fault, type FaultMode } from './faults.ts';
import { LOG_WINDOW, type Iphone } from './iphone.ts';
import { FARM_SCHEMA, FarmResultsWriter, SIMULATED_DEVICE, type FarmCall } from './results.ts';
import type { Scenario } from './scenarios.ts';
import { SimulatedIphone } from './simulated-iphone.ts';
import { wilson } from '@softphone/sfu/quality/stats.ts';

export type Engine = FarmCall['engine'];

export interface FarmOptions {
  scenarios: Scenario[];
  callsPerScenario: number;
  /** Stop after this many calls (a soak over the whole matrix: `--calls` without `--scenarios`). */
  totalCalls?: number;
  engines: Engine[];
  faults: FaultMode;
  seed: number;
  /** The results file (JSON lines). */
  out: string;
  wav: { caller: string; callee: string };
  logDir: string;
  /** One line per call, and notes. */
  print: (line: string) => void;
  /** Stop placing calls after this instant (epoch ms): a soak's time box. */
  deadline?: number;
}

/** The simulated phone's iOS version: the simulator plays iOS 18's CallKit. */
const SIMULATED_IOS = '18.2';
const HEARD_TIMEOUT_MS = 12_000;
const RESET_KNOBS = {
  activationDelayMs: 50,
  loseSessionAfterNextReport: false,
  activateTwice: false,
  activationWatchdogMs: WATCHDOG_MS,
  webViewLoadDelayMs: 0,
} as const;

interface Planned {
  scenario: Scenario;
  engine: Engine;
}

export interface FarmSummary {
  calls: FarmCall[];
  elapsedMs: number;
}

export async function runFarm(opts: FarmOptions): Promise<FarmSummary> {
  const plan: Planned[] = [];
  for (const engine of opts.engines) {
    const mine: Planned[] = [];
    for (let k = 0; k < opts.callsPerScenario; k++)
      for (const scenario of opts.scenarios) mine.push({ scenario, engine });
    plan.push(...mine.slice(0, opts.totalCalls ?? mine.length));
  }

  const rig = await Rig.start({
    profile: 'linux-chromium',
    wav: opts.wav,
    logDir: opts.logDir,
    apns: { reportTimeoutMs: 8_000 },
    calleeOnIphone: { query: `activationWatchdogMs=${WATCHDOG_MS}`, pushes: true },
  });
  const started = Date.now();
  const calls: FarmCall[] = [];
  try {
    if (!(rig.callee instanceof IphoneParty)) throw new Error('the rig did not start a simulated iPhone');
    const party = rig.callee;
    const iphone = new SimulatedIphone(party, SIMULATED_IOS, true);
    // Whose audio each side plays: the phone's native engine keeps this across app launches.
    await party.listen();
    const pushLog = rig.server?.apns?.pushLog ?? null;
    const writer = FarmResultsWriter.create(opts.out, {
      type: 'run',
      schema: FARM_SCHEMA,
      startedAt: new Date(started).toISOString(),
      seed: opts.seed,
      devices: [iphone.device],
      scenarios: opts.scenarios.map((s) => s.id),
      callsPerScenario: opts.callsPerScenario,
      ...(opts.totalCalls !== undefined ? { totalCalls: opts.totalCalls } : {}),
    });
    const logsDir = `${opts.out.replace(/\.jsonl$/, '')}-logs`;
    const faults = new FaultPicker(opts.faults, opts.seed);
    let engine: Engine = 'native';
    let prevEnd = 0;
    for (const [index, p] of plan.entries()) {
      if (opts.deadline && Date.now() > opts.deadline) {
        opts.print(`time box reached: ${index} of ${plan.length} calls placed`);
        break;
      }
      if (p.engine !== engine) {
        await party.reopen({ engine: p.engine === 'page' ? 'page' : null });
        engine = p.engine;
        iphone.engine = engine;
      }
      const fault = faults.next(p.scenario);
      const call = await oneCall({ index, ...p, fault, rig, party, iphone, pushLog, prevEnd, logsDir });
      prevEnd = Date.now();
      writer.append(call);
      calls.push(call);
      opts.print(progressLine(call, index, plan.length, calls));
    }
  } finally {
    await rig.stop();
  }
  return { calls, elapsedMs: Date.now() - started };
}

interface CallContext extends Planned {
  index: number;
  fault: Fault | null;
  rig: Rig;
  party: IphoneParty;
  iphone: SimulatedIphone;
  pushLog: string | null;
  prevEnd: number;
  /** Where the device logs of diagnosed calls go: `<results>-logs/` beside the results file. */
  logsDir: string;
}

/** A call that failed as a scenario or fault says it may (flagged, unreachable), left with both parties back on their contacts. */
class EndedCleanly extends Error {}

async function oneCall(c: CallContext): Promise<FarmCall> {
  const { scenario: s, party, iphone, fault } = c;
  const far = c.rig.caller;
  const startedAt = Date.now();
  // Where the call's system events start: every wait reads the log from here on.
  const mark = await party.eventMark();
  const base: Omit<FarmCall, 'outcome' | 'verdict' | 'uplink' | 'downlink' | 'diagnosis'> = {
    type: 'call',
    index: c.index,
    startedAt: new Date(startedAt).toISOString(),
    scenario: s.id,
    device: iphone.device,
    iosVersion: iphone.iosVersion,
    engine: c.engine,
    faults: fault ? [fault.id] : [],
    iphoneRole: s.direction === 'iphone-receives' ? 'callee' : 'caller',
  };
  let result: Pick<FarmCall, 'outcome' | 'error' | 'verdict' | 'uplink' | 'downlink'>;
  try {
    if (fault) await party.setKnobs(fault.knobs);
    await far.listen();
    result = await playCall(c, far, mark);
  } catch (err) {
    const clean = err instanceof EndedCleanly;
    result = {
      outcome: 'failed',
      error: err instanceof Error ? err.message : String(err),
      verdict: null,
      uplink: null,
      downlink: null,
    };
    if (!clean) await recover(far, party);
  } finally {
    await party.setKnobs(RESET_KNOBS).catch(() => undefined);
  }
  const endAt = Date.now();
  let diagnosis: FarmCall['diagnosis'] = null;
  let deviceLog: string | null = null;
  if (result.verdict !== 'two-way' || fault) {
    const from = Math.max(startedAt - LOG_WINDOW.beforeMs, c.prevEnd);
    const lines = (await iphone.logWindow(endAt)).filter((l) => l.at >= from);
    deviceLog = path.join(path.basename(c.logsDir), `call-${c.index + 1}.log`);
    diagnosis = await diagnoseCall(
      lines,
      c.pushLog,
      { from, to: endAt + LOG_WINDOW.afterMs },
      path.join(path.dirname(c.logsDir), deviceLog),
    );
  }
  return { ...base, ...result, ...(deviceLog ? { deviceLog } : {}), diagnosis };
}

/** The call from the scenario's starting state to both ended screens; throws {@link EndedCleanly} when it failed as it may. */
async function playCall(
  c: CallContext,
  far: Party,
  mark: number,
): Promise<Pick<FarmCall, 'outcome' | 'verdict' | 'uplink' | 'downlink'>> {
  const { scenario: s, party, iphone, fault } = c;
  const event = (kind: string, match?: (e: SystemEvent) => boolean) =>
    party.waitForSystemEvent(kind, { since: mark, ...(match ? { match } : {}) });

  switch (s.appState) {
    case 'background':
      await iphone.background();
      break;
    case 'locked':
      await iphone.lock();
      break;
    case 'killed':
      await iphone.terminate();
      await far.waitUntilAsleep(party);
      break;
    case 'before-first-unlock':
      await party.rebootWithoutUnlock();
      await far.waitUntilAsleep(party);
      break;
    case 'foreground':
      break;
  }
  if (fault?.play === 'freeze-page') await party.freezePage();
  // The user opens the app; the call comes while its web view loads (the push finds the app running).
  if (fault?.play === 'push-during-launch') await iphone.launch();

  if (s.direction === 'iphone-calls') {
    await iphone.dial(far.name);
    await far.waitForScreen('incoming');
    await far.answer();
  } else {
    await far.call(party);
    if (s.appState === 'before-first-unlock') {
      // iOS launches no app before the first unlock: the push is the last the phone sees of the
      // call, and the server tells the caller the phone is unreachable once no report comes.
      const dropped = await event('push-dropped');
      await far.waitForScreen('ended', 20_000);
      await far.dismiss();
      await party.unlockAfterReboot();
      throw new EndedCleanly(`never rang: ${dropped.detail ?? 'push dropped'}`);
    }
    if (s.appState === 'killed' && fault?.play !== 'push-during-launch') {
      await event('app-launched');
      await party.enterApp();
    }
    await waitRinging(party);
    if (fault?.answerDelayMs) await new Promise((r) => setTimeout(r, fault.answerDelayMs));
    if (s.answer === 'in-app') {
      await party.waitForScreen('incoming');
      await iphone.answerInApp();
    } else {
      await iphone.answerOnCallKit();
    }
  }
  await far.waitForScreen('in-call');
  const callId = (await far.snapshot(1e9)).state.call?.id;
  if (!callId) throw new Error(`${far.name}: in a call without an id`);
  await iphoneInCall(party, callId);
  const answeredAt = (await far.snapshot(1e9)).marks?.answeredAt ?? Date.now();

  const hearing = async (since: number, what: string) => {
    const heard = await waitHeardOrFlagged(far, iphone, party, callId, since, mark);
    if (heard !== 'flagged') return;
    await hangUpAndDismiss(s.hangup, far, party, iphone, callId);
    throw new EndedCleanly(
      `audio not activated ${what}: the shell's watchdog flagged the call (${WATCHDOG_MS} ms)`,
    );
  };
  // The far end's packet counter when the measured span starts (the answer, or the last resume),
  // read before the wait for audio: after it, a one-way call's span would be the last instant.
  const farSent = async () => (await far.snapshot(1e9)).link?.outbound?.packetsSent ?? null;
  let farSentAtSince = await farSent();
  await hearing(answeredAt, 'after answer');
  let since = answeredAt;
  if (fault?.play === 'activate-twice') {
    since = (await event('didActivate', (e) => e.callId === callId && /S14/.test(e.detail ?? ''))).at;
    farSentAtSince = await farSent();
    await hearing(since, 'after the second didActivate');
  }
  if (fault?.play === 'interruption-without-end') {
    // A cellular call taken with "Hold & Accept", then ended: CallKit holds and resumes our call,
    // and AVAudioSession never posts the interruption's end.
    await party.interrupt('begin');
    await party.holdOnSystemUi(true);
    await event('held');
    await party.holdOnSystemUi(false);
    since = (await event('resumed')).at;
    farSentAtSince = await farSent();
    await hearing(since, 'after the interruption');
  }
  if (s.hold) {
    await toForeground(iphone);
    await iphone.setHeld(true);
    await pageHeld(party, true);
    await iphone.setHeld(false);
    await pageHeld(party, false);
    since = Date.now();
    farSentAtSince = await farSent();
    await hearing(since, 'after resume');
  }
  // A flag raised after the audio was heard is the shell's false alarm: the user saw "audio not activated".
  if (await flaggedSince(party, callId, mark)) {
    await hangUpAndDismiss(s.hangup, far, party, iphone, callId);
    throw new EndedCleanly("the shell's watchdog flagged a call whose audio was heard");
  }
  const now = Date.now();
  const farNow = await far.snapshot();
  const uplink = judgeDirection(farNow.windows, since, now, party.tones?.own ?? null);
  const downlink = (await iphone.ownAudio(since, far.tones?.own ?? null)).downlink;
  const sentNow = farNow.link?.outbound?.packetsSent;
  const sentSince = sentNow != null && farSentAtSince != null ? sentNow - farSentAtSince : null;
  await hangUpAndDismiss(s.hangup, far, party, iphone, callId);
  const verdict =
    uplink.misrouted || downlink.misrouted
      ? 'misrouted'
      : uplink.heard && downlink.heard
        ? 'two-way'
        : uplink.heard || downlink.heard
          ? 'one-way'
          : 'no-audio';
  return {
    outcome: 'measured',
    verdict,
    uplink: brief(uplink, null),
    downlink: brief(downlink, sentSince),
  };
}

function brief(d: DirectionResult, sentPackets: number | null): NonNullable<FarmCall['uplink']> {
  return {
    heard: d.heard,
    timeToFirstAudioMs: d.timeToFirstAudioMs,
    unheardCause: d.unheardCause,
    judgedBy: d.judgedBy,
    misrouted: d.misrouted,
    ...(d.misroutedRun ? { misroutedRun: d.misroutedRun } : {}),
    windows: d.windows,
    sentPackets,
  };
}

/** The iPhone's side of the call is up: CallKit holds it as active, and the page (if it runs) shows it. */
async function iphoneInCall(party: IphoneParty, callId: string): Promise<void> {
  await party.driver.waitUntil(
    async () => (await party.systemSnapshot()).calls.some((x) => x.id === callId && x.state === 'active'),
    { timeout: 10_000, interval: 100, timeoutMsg: `${party.name}: CallKit never held the call as active` },
  );
  if (party.pageFrozen) return;
  // After a launch the web view may still be loading: its page exists once `window.softphone` does.
  await party.driver.waitUntil(() => party.driver.execute(() => 'softphone' in window), {
    timeout: 15_000,
    interval: 100,
    timeoutMsg: `${party.name}: the app's page never loaded`,
  });
  await party.waitForScreen('in-call');
}

async function pageHeld(party: IphoneParty, held: boolean): Promise<void> {
  await party.driver.waitUntil(async () => (await party.snapshot(1e9)).state.call?.held.self === held, {
    timeout: 10_000,
    interval: 100,
    timeoutMsg: `${party.name}: the call was not ${held ? 'held' : 'resumed'}`,
  });
}

async function toForeground(iphone: Iphone): Promise<void> {
  if ((await iphone.state()) === 4) return;
  await iphone.unlock();
  await iphone.launch();
}

/**
 * One side hangs up; both end. A frozen page learns of the end when the user opens the app, which
 * then shows the ended screen or, if it caught up already, the contacts.
 */
async function hangUpAndDismiss(
  side: Scenario['hangup'],
  far: Party,
  party: IphoneParty,
  iphone: SimulatedIphone,
  callId: string,
) {
  if (side === 'far') await far.hangup();
  else {
    await toForeground(iphone);
    await iphone.hangUp();
  }
  await far.waitForScreen('ended');
  await party.driver.waitUntil(
    async () => !(await party.systemSnapshot()).calls.some((x) => x.id === callId),
    {
      timeout: 10_000,
      interval: 100,
      timeoutMsg: `${party.name}: CallKit still holds the call`,
    },
  );
  await far.dismiss();
  await toForeground(iphone);
  let screen = '';
  await party.driver.waitUntil(
    async () => ['ended', 'contacts'].includes((screen = (await party.snapshot(1e9)).screen)),
    {
      timeout: 10_000,
      interval: 100,
      timeoutMsg: `${party.name}: the app still shows the call`,
    },
  );
  if (screen === 'ended') await party.dismiss();
}

/**
 * Both directions heard since `since` (by the far end, and by the phone's engine), or the shell
 * flagged the call (its watchdog's `activation-failed`), or time out.
 */
async function waitHeardOrFlagged(
  far: Party,
  iphone: SimulatedIphone,
  party: IphoneParty,
  callId: string,
  since: number,
  mark: number,
): Promise<'heard' | 'flagged' | 'timeout'> {
  const deadline = Date.now() + HEARD_TIMEOUT_MS;
  for (;;) {
    const now = Date.now();
    const events = await party.systemEvents(mark);
    if (events.some((e) => e.kind === 'activation-failed' && e.callId === callId && e.at >= since))
      return 'flagged';
    const [a, down] = [await far.snapshot(), (await iphone.ownAudio(since, far.tones?.own ?? null)).downlink];
    const up = judgeDirection(a.windows, since, now, party.tones?.own ?? null);
    // Someone else's audio is settled too: waiting longer will not make it the partner's.
    if ((up.heard || up.misrouted) && (down.heard || down.misrouted)) return 'heard';
    if (now > deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether the shell's watchdog flagged the call (`activation-failed`) after the log's mark. */
async function flaggedSince(party: IphoneParty, callId: string, mark: number): Promise<boolean> {
  return (await party.systemEvents(mark)).some((e) => e.kind === 'activation-failed' && e.callId === callId);
}

async function waitRinging(party: IphoneParty): Promise<void> {
  await party.driver.waitUntil(async () => (await party.systemSnapshot()).ringing.length > 0, {
    timeout: 15_000,
    interval: 100,
    timeoutMsg: `${party.name}: CallKit never rang`,
  });
}

/** Back to the contacts screen with the app in the foreground, so the run goes on after a failure. */
async function recover(far: Party, party: IphoneParty): Promise<void> {
  await party
    .system(() =>
      party.driver.execute(() => {
        window.shellSimulator.setBeforeFirstUnlock(false);
        window.shellSimulator.launchApp();
        window.shellSimulator.setDevice('foreground');
      }),
    )
    .catch(() => undefined);
  await (party.pageFrozen ? party.thawPage() : party.enterApp()).catch(() => undefined);
  for (const p of [far, party]) {
    try {
      const screen = (await p.snapshot(1e9)).screen;
      if (screen === 'incoming') await p.decline();
      else if (screen === 'in-call' || screen === 'outgoing') await p.hangup();
      const ended = await p.waitForScreen('ended', 5_000).catch(() => null);
      if (ended) await p.dismiss();
    } catch {
      // best effort: the next call reports its own failure if this party is stuck
    }
  }
}

function progressLine(call: FarmCall, index: number, total: number, calls: FarmCall[]): string {
  const notTwoWay = calls.filter((c) => c.verdict !== 'two-way').length;
  const w = wilson(notTwoWay, calls.length);
  const t = (d: FarmCall['uplink']) => {
    if (d?.timeToFirstAudioMs != null) return `${d.timeToFirstAudioMs} ms`;
    const why = [d?.unheardCause, d?.sentPackets != null ? `${d.sentPackets} packets sent` : null].filter(
      Boolean,
    );
    return why.length ? `— (${why.join(', ')})` : '—';
  };
  const misrouted = (['uplink', 'downlink'] as const).flatMap((k) => {
    const run = call[k]?.misroutedRun;
    if (!run) return [];
    const shares = Object.entries(run.shares)
      .map(([name, share]) => `${name} ${share}`)
      .join(', ');
    return [`${k} at +${run.atMs} ms for ${run.ms} ms: ${shares}`];
  });
  const verdict =
    call.outcome === 'failed'
      ? `failed (${call.error ?? ''})`
      : `${call.verdict}${misrouted.length ? ` (${misrouted.join('; ')})` : ''}`;
  const diag = call.diagnosis ? `; doctor: ${call.diagnosis.scenarioIds.join(',') || 'nothing'}` : '';
  return (
    `[${index + 1}/${total}] ${call.scenario} ${call.engine}${call.faults.length ? ` +${call.faults.join(',')}` : ''}: ` +
    `${verdict}; first audio up ${t(call.uplink)} down ${t(call.downlink)}${diag}; ` +
    `${call.device === SIMULATED_DEVICE ? 'simulated: ' : ''}not two-way ${notTwoWay}/${calls.length} (95 % ${(w.lower * 100).toFixed(1)}–${(w.upper * 100).toFixed(1)} %)`
  );
}
