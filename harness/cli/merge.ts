/** `gauntlet merge DIR... [--out DIR] [--reporter NAME]...`: one report from the report.json of each shard. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GauntletError, toError } from '../util/errors.ts';
import { loadEvaluator } from '../report/claims-bridge.ts';
import { mergeReports } from '../report/merge-reports.ts';
import { readReport } from '../report/read-report.ts';
import { createReporters, writeReports } from '../report/reporters.ts';

const USAGE = `usage: gauntlet merge DIR... [--out DIR] [--reporter NAME]... [--no-reevaluate]

Each DIR holds the report.json of one shard (\`gauntlet run --shard i/n\`); a report.json path works too.
Scenarios are concatenated in shard order; verdicts are re-evaluated by the claims engine when it is available,
else combined per claim x adapter (fail > pass > inconclusive > not-applicable). All reporters write to --out.

  --out DIR        where the merged reports go                 default reports/merged
  --reporter NAME  json, junit, markdown, html, console (repeatable)   default all of them
  --no-reevaluate  combine the shards' verdicts even when the claims engine is available

exit: the merged run's exit code (0 pass, 1 a required claim failed, 2 harness error), 2 on bad input`;

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        out: { type: 'string' }, reporter: { type: 'string', multiple: true }, 'no-reevaluate': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) { process.stdout.write(USAGE + '\n'); return 0; }
    if (positionals.length === 0) throw new GauntletError('GAUNTLET_USAGE', `expected one or more shard folders\n\n${USAGE}`);
    const reporters = createReporters(values.reporter?.length ? values.reporter : ['console', 'json', 'junit', 'markdown', 'html']);
    const inputs = await Promise.all(positionals.map(async (p) => ({ report: await readReport(p), file: path.resolve(p) })));
    const shardRows = inputs.flatMap((x) => x.report.verdicts);
    const bridge = values['no-reevaluate'] ? { why: 'combined shard verdicts (--no-reevaluate)' } : await loadEvaluator(shardRows);
    const { report } = mergeReports(inputs, { evaluate: bridge.evaluate });
    const outDir = path.resolve(values.out ?? path.join('reports', 'merged'));
    const files = await writeReports(report, outDir, reporters);
    process.stderr.write(`gauntlet merge: ${inputs.length} reports, ${report.scenarios.length} scenario runs, ${report.verdicts.length} verdicts `
      + `(${bridge.evaluate ? bridge.why : `combined shard verdicts: ${bridge.why}`})\n${files.map((f) => `  wrote ${f}`).join('\n')}\n`);
    return report.summary.exitCode;
  } catch (e) {
    const err = toError(e);
    const code = (err as { code?: string }).code;
    if ((err instanceof GauntletError && (err.code === 'GAUNTLET_USAGE' || err.code === 'GAUNTLET_CONFIG_INVALID')) || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`gauntlet merge: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
