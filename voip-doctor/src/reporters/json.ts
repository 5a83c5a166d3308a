/** `--json`: the report as is; its shape is the schema documented in README.md. */
import type { Report } from '../report.ts';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
