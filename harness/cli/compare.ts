/** `gauntlet compare BASE NEW [--noise 0.25] [--metrics claims|all] [--json]`: exit 1 on a regression, 0 without, 2 on bad input. */
import { parseArgs } from 'node:util';
import { GauntletError, toError } from '../util/errors.ts';
import { compareReports, type Comparison, type CompareRow } from '../report/compare-reports.ts';
import { DEFAULT_FIGURE_OPTIONS } from '../report/compare-figures.ts';
import { DEFAULT_FLOORS } from '../report/metric-direction.ts';
import { readReport } from '../report/read-report.ts';

const USAGE = `usage: gauntlet compare BASE NEW [--noise 0.25] [--noise-single 0.25] [--metrics claims|all] [--seed N] [--verbose] [--json]

BASE and NEW are report.json files (or folders holding one). Every row gives the change, its interval and a decision:
  regression / improvement  the change is beyond the noise band, with 95 % confidence
  within noise              the change's interval reaches into the noise band
  not enough samples        a timing or rate figure without samples on both sides, or too few for its statistic
                            (6 for a median or mean, 50 for a p90, 500 for a p99; never for a max): never a regression
  changed / unchanged       exact rows: counts with no better direction, booleans, verdicts that moved sideways
Timing and rate figures with samples (report.json "samples"): the percentile bootstrap (2000 resamples, seeded) of the
ratio NEW / BASE of the figure's statistic (median, mean, rate); a regression only when the whole interval lies beyond
x(1 + noise), an improvement only below x1/(1 + noise). The Mann-Whitney U p-value is shown beside (informative).
Counts: exact (a count of bad things that rises is a regression). Bytes and ratios, one figure each: the band
max(noise-single x |base|, floor), floors by unit: bytes 8 MiB, a leak slope 16 KiB/request, ratio ${DEFAULT_FLOORS.ratio}. Verdicts: a required claim
going pass -> fail is a regression, an advisory one a warning. A completed run now ending host-died / timed-out /
harness-error is a regression.

  --noise R          relative noise band of figures with samples (0.25 = 25%, "25%" also accepted)  default ${DEFAULT_FIGURE_OPTIONS.noise}
  --noise-single R   relative band of single figures (bytes, slopes, ratios)                      default ${DEFAULT_FIGURE_OPTIONS.noiseSingle}
  --metrics SCOPE    claims: verdicts and the figures the claims read (default); all: every figure
  --seed N           seed of the bootstrap                                                        default 1
  --verbose          list the rows within noise and unchanged too
  --json             print the comparison as JSON on stdout (schema "gauntlet-compare/2", docs/compare.md)

exit: 0 no regression, 1 regression, 2 bad input`;

function fraction(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(v) || v < 0 || v >= 10) throw new GauntletError('GAUNTLET_USAGE', `${flag}: expected a fraction like 0.25 or 25%, got ${JSON.stringify(text)}`);
  return v;
}

function line(r: CompareRow): string {
  return `  ${r.message}`;
}

const GROUPS: Array<[CompareRow['decision'], string, boolean]> = [
  ['regression', 'REGRESSIONS', true], ['warning', 'WARNINGS (advisory claims failing, lost verdicts; do not fail)', true],
  ['improvement', 'IMPROVEMENTS', true], ['changed', 'CHANGED (no better direction)', true],
  ['not enough samples', 'NOT ENOUGH SAMPLES (never a regression)', true], ['within noise', 'WITHIN NOISE', false],
  ['unchanged', 'UNCHANGED', false], ['missing', 'MISSING FROM NEW', true], ['added', 'NEW IN NEW', true],
];

/** Compact summary of the comparison: every row that is not within noise or unchanged (all with `verbose`). */
export function formatComparison(c: Comparison, verbose = false): string {
  const o = c.options;
  const out = [
    `gauntlet compare: BASE seed ${c.base.seed} (${c.base.startedAt}) vs NEW seed ${c.next.seed} (${c.next.startedAt})`,
    ...c.warnings.map((w) => `WARNING: ${w}`),
    `scope: ${o.metrics === 'all' ? 'every figure' : 'verdicts and the figures the claims read'}; figures with samples: 95% bootstrap interval of NEW/BASE beyond x${+(1 + o.noise).toFixed(3)} (or below x${+(1 / (1 + o.noise)).toFixed(3)}); single figures: +/-${+(o.noiseSingle * 100).toFixed(1)}% or the unit's floor; counts exact`,
  ];
  for (const [kind, title, shown] of GROUPS) {
    const list = c.rows.filter((r) => r.decision === kind);
    if (!list.length) continue;
    if (shown || verbose) out.push('', `${title} (${list.length}):`, ...list.map(line));
  }
  const k = c.counts;
  out.push('', `${k.rows} rows: ${k.regression} regressions, ${k.improvement} improvements, ${k.warning} warnings, ${k['within noise']} within noise, ${k['not enough samples']} not enough samples, ${k.unchanged} unchanged; exit ${c.exitCode}`);
  return out.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        noise: { type: 'string' }, 'noise-single': { type: 'string' }, metrics: { type: 'string' }, seed: { type: 'string' },
        json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) { process.stdout.write(USAGE + '\n'); return 0; }
    if (positionals.length !== 2) throw new GauntletError('GAUNTLET_USAGE', `expected two reports (BASE NEW), got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}\n\n${USAGE}`);
    const noise = values.noise === undefined ? undefined : fraction('--noise', values.noise);
    const noiseSingle = values['noise-single'] === undefined ? undefined : fraction('--noise-single', values['noise-single']);
    if (values.metrics !== undefined && values.metrics !== 'claims' && values.metrics !== 'all') {
      throw new GauntletError('GAUNTLET_USAGE', `--metrics: expected "claims" or "all", got ${JSON.stringify(values.metrics)}`);
    }
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed)) throw new GauntletError('GAUNTLET_USAGE', `--seed: expected an integer, got ${JSON.stringify(values.seed)}`);
    const [base, next] = await Promise.all(positionals.map((p) => readReport(p)));
    const result = compareReports(base, next, { noise, noiseSingle, metrics: values.metrics as 'claims' | 'all' | undefined, seed });
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : formatComparison(result, values.verbose));
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
