/** `npm run bench:load` options, checked with zod: a bad value is a clear message, not a bad run. */
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const USAGE = `npm run bench:load -- [--max-calls N] [--step N] [--step-seconds S] [--calibration-calls N] [--quick]
  --max-calls     stop the ramp here if no limit was reached first (default 2000)
  --step          calls added at each step (default 50)
  --step-seconds  length of each step's measuring window (default 20)
  --calibration-calls  real WebRTC calls (ICE/DTLS/SRTP) to calibrate with, 0 for none (default 24)
  --quick         a short try: --max-calls 100 --step 50 --step-seconds 4 --calibration-calls 6 unless given`;

const count = (max: number) => z.coerce.number().int().min(1).max(max);

const OptionsSchema = z.object({
  maxCalls: count(10_000),
  step: count(1_000),
  stepSeconds: z.coerce.number().min(2).max(600),
  calibrationCalls: z.coerce.number().int().min(0).max(200),
});
export type LoadOptions = z.infer<typeof OptionsSchema>;

const DEFAULTS = { maxCalls: '2000', step: '50', stepSeconds: '20', calibrationCalls: '24' };
const QUICK = { maxCalls: '100', step: '50', stepSeconds: '4', calibrationCalls: '6' };

/** The options, or an error whose message says what is wrong (and how to call the bench). */
export function parseOptions(argv: string[]): LoadOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'max-calls': { type: 'string' },
        step: { type: 'string' },
        'step-seconds': { type: 'string' },
        'calibration-calls': { type: 'string' },
        quick: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const base = values.quick ? QUICK : DEFAULTS;
  const parsed = OptionsSchema.safeParse({
    maxCalls: values['max-calls'] ?? base.maxCalls,
    step: values.step ?? base.step,
    stepSeconds: values['step-seconds'] ?? base.stepSeconds,
    calibrationCalls: values['calibration-calls'] ?? base.calibrationCalls,
  });
  if (!parsed.success)
    throw new Error(
      `${parsed.error.issues.map((i) => `--${flag(String(i.path[0]))}: ${i.message}`).join('\n')}\n${USAGE}`,
    );
  return parsed.data;
}

const flag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
