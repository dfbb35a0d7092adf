/** `gauntlet compare BASE NEW [--noise 0.1] [--json]`: exit 1 on a regression, 0 without, 2 on bad input. */
import { parseArgs } from 'node:util';
import { GauntletError, toError } from '../util/errors.ts';
import { compareReports, type Comparison, type Finding } from '../report/compare-reports.ts';
import { DEFAULT_FLOORS } from '../report/metric-direction.ts';
import { readReport } from '../report/read-report.ts';

const USAGE = `usage: gauntlet compare BASE NEW [--noise 0.1] [--floor-ms 1] [--json]

BASE and NEW are report.json files (or folders holding one). Compares claim verdicts and values per claim x adapter
and figures per scenario x adapter. A change counts when it exceeds max(noise x |base|, floor); floors by unit:
ms ${DEFAULT_FLOORS.ms}, bytes 1 MiB, count ${DEFAULT_FLOORS.count}, ratio ${DEFAULT_FLOORS.ratio}, rate ${DEFAULT_FLOORS.rate}/s.
Regressions: a required claim flipping pass -> fail or getting worse beyond the band, a scenario metric getting
worse beyond the band, a completed scenario now ending host-died / timed-out / harness-error. Advisory claims warn.

  --noise R      relative noise band (0.1 = 10%, "10%" also accepted)   default 0.1
  --floor-ms N   absolute floor for millisecond figures                  default ${DEFAULT_FLOORS.ms}
  --json         print the comparison as JSON on stdout

exit: 0 no regression, 1 regression, 2 bad input`;

function fraction(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(v) || v < 0 || v >= 10) throw new GauntletError('GAUNTLET_USAGE', `${flag}: expected a fraction like 0.1 or 10%, got ${JSON.stringify(text)}`);
  return v;
}

function line(f: Finding): string {
  return `  ${f.subject.padEnd(11)} ${f.message}`;
}

export function formatComparison(c: Comparison): string {
  const out = [
    `gauntlet compare: BASE seed ${c.base.seed} (${c.base.startedAt}) vs NEW seed ${c.next.seed} (${c.next.startedAt})`,
    `noise band ${(c.noise * 100).toFixed(1)}%, floors: ms ${c.floors.ms}, bytes ${c.floors.bytes}, count ${c.floors.count}, ratio ${c.floors.ratio}, rate ${c.floors.rate}`,
  ];
  const groups: Array<[Finding['kind'], string]> = [['regression', 'REGRESSIONS'], ['warning', 'WARNINGS (advisory claims, lost verdicts; do not fail)'], ['improvement', 'IMPROVEMENTS'], ['changed', 'CHANGED (no better direction)'], ['missing', 'MISSING FROM NEW'], ['added', 'NEW IN NEW']];
  for (const [kind, title] of groups) {
    const list = c.findings.filter((f) => f.kind === kind);
    if (list.length) out.push('', `${title} (${list.length}):`, ...list.map(line));
  }
  const k = c.counts;
  out.push('', `${k.compared} figures compared: ${k.regression} regressions, ${k.improvement} improvements, ${k.warning} warnings; exit ${c.exitCode}`);
  return out.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { noise: { type: 'string' }, 'floor-ms': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) { process.stdout.write(USAGE + '\n'); return 0; }
    if (positionals.length !== 2) throw new GauntletError('GAUNTLET_USAGE', `expected two reports (BASE NEW), got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}\n\n${USAGE}`);
    const noise = values.noise === undefined ? 0.1 : fraction('--noise', values.noise);
    const floorMs = values['floor-ms'] === undefined ? DEFAULT_FLOORS.ms : fraction('--floor-ms', values['floor-ms']);
    const [base, next] = await Promise.all(positionals.map((p) => readReport(p)));
    const result = compareReports(base, next, { noise, floors: { ms: floorMs } });
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : formatComparison(result));
    return result.exitCode;
  } catch (e) {
    const err = toError(e);
    const code = (err as { code?: string }).code;
    if (err instanceof GauntletError || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`gauntlet compare: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
