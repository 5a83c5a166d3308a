/** Entry point of `voip-doctor`; everything else lives in cli.ts. */
import { main } from './cli.ts';

// `npm run voip-doctor -- file` runs inside the workspace; file names are relative to where it was typed.
if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
