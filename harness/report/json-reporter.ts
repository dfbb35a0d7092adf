import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from './reporter.ts';

/** Writes the RunReport as pretty JSON (report.json): the input of `compare` and `merge`. */
export function jsonReporter(options: { file?: string } = {}): Reporter {
  return {
    name: 'json',
    async onRunEnd(report, outDir) {
      const file = path.resolve(outDir, options.file ?? 'report.json');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(report, null, 2) + '\n');
      return [file];
    },
  };
}
