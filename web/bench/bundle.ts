/**
 * `npm run bench:bundle`: builds the production page and prints the gzipped JavaScript it loads
 * before it is interactive — the entry chunk of index.html and every chunk it imports statically
 * (what the page's `<script>` and `<link rel="modulepreload">` fetch), read from Vite's manifest.
 * Chunks loaded later through `import()` (the call engine, the update prompt) are listed apart.
 * Exits non-zero over the budget.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';

const BUDGET_KB = 45;

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const ManifestSchema = z.record(
  z.string(),
  z.object({
    file: z.string(),
    isEntry: z.boolean().optional(),
    imports: z.array(z.string()).optional(),
    dynamicImports: z.array(z.string()).optional(),
  }),
);
const manifest = ManifestSchema.parse(
  JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8')),
);

const chunk = (key: string) => {
  const c = manifest[key];
  if (!c) throw new Error(`manifest has no chunk ${key}`);
  return c;
};

/** The chunk and its static imports, transitively: all of it loads before the entry runs. */
function staticClosure(key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of chunk(key).imports ?? []) staticClosure(imported, seen);
  return seen;
}

const initial = staticClosure('index.html');
const lazy = new Set<string>();
for (const key of initial) for (const d of chunk(key).dynamicImports ?? []) lazy.add(d);
for (const key of [...lazy]) for (const k of staticClosure(key)) if (!initial.has(k)) lazy.add(k);
for (const key of initial) lazy.delete(key);

const gzipKb = (key: string) => gzipSync(fs.readFileSync(path.join(dist, chunk(key).file))).length / 1000;
const row = (key: string) => `  ${gzipKb(key).toFixed(2).padStart(7)} kB  ${chunk(key).file}`;

const total = [...initial].reduce((sum, key) => sum + gzipKb(key), 0);
console.log('before interactive (entry + static imports), gzipped:');
for (const key of initial) console.log(row(key));
console.log('loaded later (import()), gzipped:');
for (const key of lazy) console.log(row(key));
console.log(`production page before interactive: ${total.toFixed(1)} kB gzipped (budget ${BUDGET_KB} kB)`);
if (total > BUDGET_KB) process.exitCode = 1;
