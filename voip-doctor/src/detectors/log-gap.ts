/** No line at all for a long time: the phone was off, or the log rotated. */
import { formatDuration } from '../time.ts';
import { lineRef } from './kit.ts';
import type { Detector, Finding, ScenarioSpec } from './kit.ts';

export const spec: ScenarioSpec = {
  id: 'log-gap',
  title: 'Log gap: no lines at all',
  meaning:
    'A busy iPhone logs many lines per second; a silence this long means the device was off or rebooting, ' +
    'or the log rotated. Nothing can be concluded about pushes in the gap.',
  fix: 'Check whether the device rebooted (shutdown.log in the sysdiagnose); reproduce with the log covering the call.',
  sources: ['https://developer.apple.com/documentation/os/logging'],
  covers: [],
};

export function create(): Detector {
  return {
    onHit() {},
    finish({ volume, excerpts }): Finding[] {
      return volume.gaps
        .filter((g) => !excerpts.has(g.start.file))
        .map((g): Finding => ({
          id: spec.id,
          severity: 'warn',
          summary: `No log line for ${formatDuration(g.end.time - g.start.time)}.`,
          start: g.start.time,
          end: g.end.time,
          offset: g.start.offset,
          evidence: [
            lineRef(g.start, 'last line before the gap'),
            lineRef(g.end, 'first line after the gap'),
          ],
          count: 1,
        }));
    },
  };
}
