/** The impairment relay's process: `{options, link}` as argv[2], commands as JSON lines on stdin. */
import readline from 'node:readline';
import { ImpairmentRelay, type RelayCommand, type RelayOptions } from './impairment-relay.ts';
import type { LinkImpairment } from './network-profiles.ts';

const { options, link } = JSON.parse(process.argv[2] ?? '{}') as {
  options: RelayOptions;
  link: LinkImpairment;
};
const relay = new ImpairmentRelay(options, link);
await relay.start();
console.log('relay ready');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as RelayCommand;
  if ('link' in cmd) {
    relay.set(cmd.link);
    console.log('applied');
  } else {
    relay.outage(cmd.outageMs);
    setTimeout(() => console.log('outage over'), cmd.outageMs);
  }
});
process.on('SIGTERM', () => {
  relay.close();
  process.exit(0);
});
