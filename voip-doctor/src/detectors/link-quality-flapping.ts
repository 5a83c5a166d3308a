/**
 * The network link kept changing quality: pushes delayed or lost, media choppy. Two patterns: a burst
 * (4 changes within 2 minutes, a phone between two cells) and the slow field pattern of a weak cellular
 * signal, where apsd's `LinkQuality changed` flips good↔poor every few minutes for hours while pushes go
 * missing (F-834530: VoIP pushes not received on a SIM but fine on Wi-Fi).
 */
import type { Hit } from '../model.ts';
import { formatDuration } from '../time.ts';
import { finding, ref } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'link-quality-flapping',
  title: 'Network link quality flapping',
  meaning:
    'apsd saw the interface change quality again and again: the APNs connection and the media path were ' +
    'unstable, which delays pushes (APNs keeps only the latest one while the phone is unreachable) and ' +
    'breaks audio.',
  fix: 'Nothing in the app; test on a stable network, and prefer ICE restarts over new calls when the link changes.',
  sources: ['https://developer.apple.com/forums/thread/834530'],
  covers: ['link-quality-changed'],
};

const BURST_MS = 120_000;
const BURST_CHANGES = 4;
/** Changes further apart than this end an episode: a phone that moves now and then is not flapping. */
const EPISODE_JOIN_MS = 20 * 60_000;
/** A slow episode needs this many changes, at least this long, with the link going both ways. */
const SLOW_CHANGES = 6;
const SLOW_MIN_MS = 30 * 60_000;

function hasBurst(changes: Hit[]): boolean {
  for (let i = BURST_CHANGES - 1; i < changes.length; i++) {
    const first = changes[i - BURST_CHANGES + 1] as Hit;
    if ((changes[i] as Hit).entry.time - first.entry.time <= BURST_MS) return true;
  }
  return false;
}

function judge(changes: Hit[]): Finding | null {
  if (changes.length < BURST_CHANGES) return null;
  const first = changes[0] as Hit;
  const last = changes[changes.length - 1] as Hit;
  const span = last.entry.time - first.entry.time;
  const worse = changes.filter((h) => h.fields['to'] === 'poor' || h.fields['to'] === 'bad').length;
  const slow =
    changes.length >= SLOW_CHANGES && span >= SLOW_MIN_MS && worse >= 2 && changes.length - worse >= 2;
  const burst = hasBurst(changes);
  if (!slow && !burst) return null;
  const ifaces = [...new Set(changes.map((h) => h.fields['iface'] ?? '?'))].join(', ');
  const f = finding(spec.id, 'warn', '', changes.map(ref));
  f.summary = slow
    ? `Link quality on ${ifaces} changed ${changes.length} times in ${formatDuration(span)} ` +
      `(every ${formatDuration(span / (changes.length - 1))} on average, ${worse} times for the worse).`
    : `Link quality changed ${BURST_CHANGES}+ times within ${BURST_MS / 60_000} min ` +
      `(latest: ${last.fields['iface'] ?? '?'} ${last.fields['from'] ?? '?'} → ${last.fields['to'] ?? '?'}).`;
  return f;
}

export function create(): Detector {
  const out: Finding[] = [];
  let episode: Hit[] = [];
  const close = (): void => {
    const f = judge(episode);
    if (f) out.push(f);
    episode = [];
  };
  return {
    onHit(hit) {
      if (hit.rule.id !== 'link-quality-changed') return;
      const previous = episode[episode.length - 1];
      if (previous && hit.entry.time - previous.entry.time > EPISODE_JOIN_MS) close();
      episode.push(hit);
    },
    finish() {
      close();
      return out;
    },
  };
}
