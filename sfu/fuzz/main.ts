/**
 * `npm run fuzz [-- --messages N --clients N]`: starts the real server on a temp data folder,
 * fuzzes it while two other clients place calls, samples its RSS, and prints the counts. Exits 1
 * when anything went unanswered or untyped, a probe call failed, or the server died.
 */
import { parseArgs } from 'node:util';
import { startCallProbe } from './call-probe.ts';
import { fuzz } from './fuzzer.ts';
import { startServerProcess } from './server-process.ts';
import { sampleRss } from './rss.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '50' },
    'in-flight': { type: 'string', default: '4' },
  },
});

const server = await startServerProcess({ env: { TRUST_PROXY: 'loopback' } });
const rss = sampleRss(server, 250);
const probe = await startCallProbe(server.url);
const started = performance.now();
const report = await fuzz({
  url: server.url,
  messages: Number(values.messages),
  clients: Number(values.clients),
  inFlight: Number(values['in-flight']),
});
const seconds = (performance.now() - started) / 1000;
const calls = await probe.stop();
const memory = rss.stop();
const crashed = server.exit() !== null;
await server.stop();

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const sorted = [...calls.durationsMs].sort((x, y) => x - y);
const pct = (p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(0) ?? '-';
console.log(`fuzz: ${report.sent} messages in ${seconds.toFixed(1)} s from ${values.clients} clients`);
console.log(`  socket.io messages ${report.socketMessages}, REST requests ${report.restRequests}`);
console.log('  answers by type:');
for (const [code, n] of Object.entries(report.answers).sort((x, y) => y[1] - x[1]))
  console.log(`    ${code.padEnd(26)} ${n}`);
console.log(`  connections closed or refused by the server: ${report.closed}`);
console.log(`  unanswered: ${report.unanswered}, untyped: ${report.untyped}`);
for (const e of report.examples) console.log(`    ${e}`);
console.log(`  crashes: ${crashed ? 1 : 0}`);
console.log(
  `  server RSS: start ${mib(memory.startKiB)}, peak ${mib(memory.peakKiB)}, end ${mib(memory.endKiB)}`,
);
console.log(
  `  probe calls (signalling only): ${calls.durationsMs.length}/${calls.calls} complete, invite → both ended p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms; ${calls.rateLimited} invites refused as rate-limited (waited as told)`,
);
for (const f of calls.failures) console.log(`    ${f}`);
const failed = crashed || report.unanswered > 0 || report.untyped > 0 || calls.failures.length > 0;
process.exit(failed ? 1 : 0);
