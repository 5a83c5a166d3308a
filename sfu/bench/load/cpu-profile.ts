/** Where this Node process spends its time: a V8 CPU profile over a window, summed by function and by module. */
import { Session } from 'node:inspector/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface Hotspot {
  name: string;
  share: number;
}

export interface ProfileSummary {
  functions: Hotspot[];
  modules: Hotspot[];
}

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** A file's module: the package under node_modules, the repo path, or Node's own. */
function moduleOf(url: string): string {
  if (!url) return '(native, GC, program)';
  if (url.startsWith('node:')) return 'node internals';
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
  if (pkg) return pkg;
  return path.relative(ROOT, file);
}

function top(hits: Map<string, number>, total: number, n: number): Hotspot[] {
  return [...hits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, h]) => ({ name, share: h / total }));
}

export async function profileFor(ms: number): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1_000 });
    await session.post('Profiler.start');
    await new Promise((r) => setTimeout(r, ms));
    const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
    const byFunction = new Map<string, number>();
    const byModule = new Map<string, number>();
    let total = 0;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      // Shares of the time the process worked, not of the window.
      if (!hits || node.callFrame.functionName === '(idle)') continue;
      total += hits;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = moduleOf(url);
      const fn = `${functionName || '(anonymous)'} ${url ? `${where}:${lineNumber + 1}` : ''}`.trim();
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
      byModule.set(where, (byModule.get(where) ?? 0) + hits);
    }
    return { functions: top(byFunction, total, 12), modules: top(byModule, total, 8) };
  } finally {
    session.disconnect();
  }
}
