/** Reporter registry: createReporters(spec) and writeReports(report, outDir, reporters). */
import { GauntletError, toError } from '../util/errors.ts';
import type { Reporter, ReporterSpec } from './reporter.ts';
import type { RunReport } from './schema.ts';
import { consoleReporter } from './console-reporter.ts';
import { htmlReporter } from './html-reporter.ts';
import { jsonReporter } from './json-reporter.ts';
import { junitReporter } from './junit-reporter.ts';
import { markdownReporter } from './markdown-reporter.ts';

// Options are checked by each factory's type; the registry passes them through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const FACTORIES: Record<string, (options: any) => Reporter> = {
  json: jsonReporter,
  junit: junitReporter,
  markdown: markdownReporter,
  html: htmlReporter,
  console: consoleReporter,
};

export const REPORTER_NAMES = Object.keys(FACTORIES);
/** What `gauntlet run` uses when no reporter is named. */
export const DEFAULT_REPORTERS: ReporterSpec[] = ['console', 'json', 'junit', 'markdown', 'html'];

function describe(value: unknown): string {
  return `${JSON.stringify(value)} (${Array.isArray(value) ? 'array' : typeof value})`;
}

/** Turns names, [name, options] pairs and ready Reporter objects into reporters. */
export function createReporters(spec: ReporterSpec | ReporterSpec[] = DEFAULT_REPORTERS): Reporter[] {
  const isReporter = (x: unknown) => !!x && typeof x === 'object' && typeof (x as Reporter).name === 'string'
    && ['onRunStart', 'onScenarioStart', 'onScenarioEnd', 'onRunEnd'].some((h) => typeof (x as Record<string, unknown>)[h] === 'function');
  // A lone [name, options] pair, or a list of specs (['json', myReporter] is a list: its second item is a reporter).
  const pair = Array.isArray(spec) && spec.length === 2 && typeof spec[0] === 'string' && typeof spec[1] === 'object' && spec[1] !== null && !Array.isArray(spec[1]) && !isReporter(spec[1]);
  const list = Array.isArray(spec) && !pair ? (spec as ReporterSpec[]) : [spec as ReporterSpec];
  return list.map((item, i) => {
    if (typeof item === 'string') {
      const f = FACTORIES[item];
      if (!f) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `reporters[${i}]: unknown reporter "${item}"; use one of ${REPORTER_NAMES.join(', ')}`);
      return f({});
    }
    if (Array.isArray(item)) {
      const [name, options] = item;
      const f = typeof name === 'string' ? FACTORIES[name] : undefined;
      if (!f) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `reporters[${i}]: unknown reporter ${describe(name)}; use one of ${REPORTER_NAMES.join(', ')}`);
      if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
        throw new GauntletError('GAUNTLET_CONFIG_INVALID', `reporters[${i}]: options of "${name}" must be an object, got ${describe(options)}`);
      }
      return f(options ?? {});
    }
    if (item && typeof item === 'object' && typeof (item as Reporter).name === 'string') return item as Reporter;
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `reporters[${i}]: expected a reporter name, [name, options] or a reporter object, got ${describe(item)}`);
  });
}

/**
 * Calls every reporter's onRunEnd in order and returns the files written. A failing reporter does not stop the
 * others; the first failure is rethrown afterwards with every failure listed.
 */
export async function writeReports(report: RunReport, outDir: string, reporters: Reporter[]): Promise<string[]> {
  const files: string[] = [];
  const failures: Array<{ name: string; error: Error }> = [];
  for (const r of reporters) {
    if (!r.onRunEnd) continue;
    try {
      files.push(...(await r.onRunEnd(report, outDir)));
    } catch (e) {
      failures.push({ name: r.name, error: toError(e) });
    }
  }
  if (failures.length) {
    throw new GauntletError('GAUNTLET_INTERNAL', `reporter(s) failed: ${failures.map((f) => `${f.name}: ${f.error.message}`).join('; ')} (written: ${files.join(', ') || 'nothing'})`, { cause: failures[0].error, details: { files } });
  }
  return files;
}
