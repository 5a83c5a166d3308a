/**
 * Matching a message against the catalog. The prefilter is one regex of every needle: a line that does not
 * contain any of them (nearly all lines of a real export) costs one regex test and nothing else.
 */
import type { Hit, LogEntry, Rule } from '../model.ts';
import { RULES } from './catalog.ts';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function buildPrefilter(rules: readonly Rule[]): RegExp {
  const needles = [...new Set(rules.flatMap((r) => r.needles))].sort((a, b) => b.length - a.length);
  return new RegExp(needles.map(escape).join('|'));
}

export const PREFILTER = buildPrefilter(RULES);

/** The first rule (catalog order) whose needle and pattern both match; null otherwise. */
export function matchEntry(entry: LogEntry, rules: readonly Rule[] = RULES): Hit | null {
  const message = entry.message;
  for (const rule of rules) {
    if (!rule.needles.some((n) => message.includes(n))) continue;
    const m = rule.pattern.exec(message);
    if (!m) continue;
    const fields: Record<string, string> = {};
    // Alternatives of one pattern name the same field `bundle`, `bundle2` …: they fold back into one name.
    for (const [k, v] of Object.entries(m.groups ?? {}))
      if (v !== undefined) fields[k.replace(/\d+$/, '')] = v;
    return { entry, rule, fields };
  }
  return null;
}
