/** Entry point of `voip-doctor`; everything else lives in cli.ts. */
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
