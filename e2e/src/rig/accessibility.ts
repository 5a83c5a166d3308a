/**
 * axe-core run inside a party's page: WCAG 2.2 A/AA rules (accessible names, contrast, ARIA use,
 * labels) over the whole document, shadow roots included.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as Axe from 'axe-core';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AccessibilityViolation {
  rule: string;
  impact: string | null;
  help: string;
  /** The offending elements, as axe's selectors (shadow paths joined by " >>> "). */
  targets: string[];
}

export async function accessibilityViolations(
  driver: WebdriverIO.Browser,
): Promise<AccessibilityViolation[]> {
  const loaded = await driver.execute(() => 'axe' in window);
  if (!loaded) await driver.execute(AXE_SOURCE);
  return driver.execute(async (tags: string[]) => {
    const axe = (window as unknown as { axe: typeof Axe }).axe;
    const res = await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return res.violations.map((v) => ({
      rule: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n) =>
        n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' >>> '),
      ),
    }));
  }, WCAG_TAGS);
}
