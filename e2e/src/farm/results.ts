/** A farm run's results file on disk: the schema and parser are shared with the operator page. */
import fs from 'node:fs';
import path from 'node:path';
import {
  FarmCallSchema,
  FarmResultsError,
  FarmRunSchema,
  parseFarmResults,
  type FarmCall,
  type FarmResults,
  type FarmRun,
} from '@softphone/sfu/quality/farm-results';

export * from '@softphone/sfu/quality/farm-results';

/** Appends a run's lines to `file`; each line is one write, so lines never interleave or half-exist in order. */
export class FarmResultsWriter {
  private constructor(private readonly file: string) {}

  static create(file: string, run: FarmRun): FarmResultsWriter {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(FarmRunSchema.parse(run))}\n`, { flag: 'wx' });
    return new FarmResultsWriter(file);
  }

  append(call: FarmCall): void {
    const line = `${JSON.stringify(FarmCallSchema.parse(call))}\n`;
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, line);
      // The point of writing after every call is surviving a crash: the line must reach the disk.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

export function readFarmResults(file: string): FarmResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FarmResultsError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseFarmResults(text, file);
}
