/** A stretch of the log kept only a trickle of lines: it was purged, so absence of evidence proves nothing. */
import { formatDuration } from '../time.ts';
import { lineRef } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'log-purged',
  title: 'Log purged in this window',
  meaning:
    'Volume fell far below the rest of the log and the daemons that speak every minute are absent: the ' +
    'unified log dropped its short-lived lines (only long-TTL errors survive). Push and CallKit events in ' +
    'this window may be missing even though they happened.',
  fix: 'Capture a sysdiagnose right after reproducing the problem, or stream logs (log stream / Console) during the test.',
  sources: ['https://developer.apple.com/documentation/os/logging'],
  covers: [],
};

export function create(): Detector {
  return {
    onHit() {},
    finish({ volume }): Finding[] {
      return volume.purged.map((w) => {
        const evidence = [
          lineRef(w.start, 'first line of the sparse window'),
          lineRef(w.end, 'last line of the sparse window'),
          ...(w.next ? [lineRef(w.next, 'normal volume resumes')] : []),
        ];
        return {
          id: spec.id,
          severity: 'warn',
          summary:
            `${formatDuration(w.end.time - w.start.time)} with ${w.perMinute.toFixed(1)} lines/min against ` +
            `${w.normalPerMinute} normally; busy daemons absent: ${w.missing.slice(0, 6).join(', ')}.`,
          start: w.start.time,
          end: w.end.time,
          offset: w.start.offset,
          evidence,
          count: w.lines,
        };
      });
    },
  };
}
