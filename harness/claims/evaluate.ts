/**
 * The verdict engine: one VerdictRow per claim and adapter. Pure: results in, rows out.
 * pass / fail when the figure was measured; not-applicable when the claim is about another kind of adapter;
 * inconclusive, with the reason, when the figure is missing (scenario not run, skipped, host died first...) or a
 * precondition does not hold. Theses say plainly when they are refuted and which real risk was measured instead.
 */
import { quoteText } from '../report/category-table.ts';
import { notApplicableReason, type ScenarioResult, type VerdictRow } from '../report/schema.ts';
import { formatValue } from './format.ts';
import { collect, combine, type Measured } from './lookup.ts';
import { metricKey } from './metrics-catalogue.ts';
import { isResolved, resolveClaim, type ParsedCheck, type ResolvedClaim } from './resolve.ts';
import { formatSource } from './seeds.ts';
import { straddles } from '../stats/figure-intervals.ts';
import type { AdapterKind, AnyClaim } from './types.ts';

export interface AdapterRef {
  name: string;
  kind?: AdapterKind;
  /** Whether the adapter promises gauntlet's frame and batch limits (claims with `requires: 'limits'`). */
  enforcesLimits?: boolean;
}

/** Pseudo-adapter under which claims measured only by `gauntlet bench` are reported. */
export const BENCH_ADAPTER = 'bench';

export function isBenchClaim(c: ResolvedClaim): boolean {
  return c.resolved.def.scenarios.length > 0 && c.resolved.def.scenarios.every((s) => s === 'bench');
}

export function evaluateClaims(
  claims: readonly (AnyClaim | ResolvedClaim)[],
  results: readonly ScenarioResult[],
  adapters: readonly (string | AdapterRef)[],
): VerdictRow[] {
  const refs = adapters.map((a) => (typeof a === 'string' ? { name: a } : a));
  const rows: VerdictRow[] = [];
  for (const raw of claims) {
    const claim = isResolved(raw) ? raw : resolveClaim(raw);
    if (isBenchClaim(claim)) {
      rows.push(evaluateOne(claim, results.filter((r) => r.scenario === 'bench'), { name: BENCH_ADAPTER }));
      continue;
    }
    for (const ref of refs) rows.push(evaluateOne(claim, results.filter((r) => r.adapter === ref.name), ref));
  }
  return rows;
}

function row(claim: ResolvedClaim, adapter: string, fields: Pick<VerdictRow, 'verdict' | 'value' | 'reason' | 'evidence'>): VerdictRow {
  return {
    claim: claim.id,
    adapter,
    severity: claim.severity,
    unit: claim.resolved.def.unit,
    threshold: claim.threshold,
    source: formatSource(claim.source),
    ...(claim.origin ? { origin: claim.origin } : {}),
    ...fields,
  };
}

const SHM_NOT_APPLICABLE = 'shared memory not applicable: ';

/** The note a result carries when it could not measure shared memory (claims with `requires: 'shm'` read it). */
export function shmNotApplicableNote(reason: string): string {
  return `${SHM_NOT_APPLICABLE}${reason}`;
}

const REFERENCE_NOT_APPLICABLE = 'reference embedder not applicable: ';

/** The note a result carries when node-llama-cpp is not installed (claims with `requires: 'reference'` read it). */
export function referenceNotApplicableNote(reason: string): string {
  return `${REFERENCE_NOT_APPLICABLE}${reason}`;
}

function requirementReason(results: readonly ScenarioResult[], prefix: string): string | undefined {
  for (const r of results) {
    const note = r.notes?.find((n) => n.startsWith(prefix));
    if (note) return note.slice(prefix.length);
  }
  return undefined;
}

/** Evaluates one claim for one adapter against that adapter's results. */
export function evaluateOne(claim: ResolvedClaim, results: readonly ScenarioResult[], adapter: AdapterRef): VerdictRow {
  const { def, threshold } = claim.resolved;
  if (adapter.kind && claim.appliesTo && !claim.appliesTo.includes(adapter.kind)) {
    return row(claim, adapter.name, {
      verdict: 'not-applicable', value: null,
      reason: `applies to ${claim.appliesTo.join(' / ')} adapters only; ${adapter.name} is ${adapter.kind}`,
      evidence: { scenarios: [] },
    });
  }
  if (claim.requires === 'limits' && adapter.enforcesLimits === false) {
    return row(claim, adapter.name, {
      verdict: 'not-applicable', value: null,
      reason: `${adapter.name} does not promise gauntlet's frame and batch limits (an ${adapter.kind ?? 'http'} adapter promises none unless its config says enforcesLimits: true)`,
      evidence: { scenarios: [] },
    });
  }
  const values = collect(results, claim.metric, def, threshold.aggregation);
  const expected = results.filter((r) => def.scenarios.includes(r.scenario as never));
  const prefix = claim.requires === 'shm' ? SHM_NOT_APPLICABLE : claim.requires === 'reference' ? REFERENCE_NOT_APPLICABLE : undefined;
  const noShm = prefix && values.length === 0 ? requirementReason(expected, prefix) : undefined;
  if (noShm) {
    return row(claim, adapter.name, { verdict: 'not-applicable', value: null, reason: noShm, evidence: { scenarios: expected.map((r) => r.scenario) } });
  }
  if (values.length === 0 && expected.length > 0 && expected.every((r) => notApplicableReason(r) !== undefined)) {
    // Every scenario that measures it said this adapter cannot take part (no embedder process to stop, no stream to break).
    return row(claim, adapter.name, {
      verdict: 'not-applicable', value: null,
      reason: expected.map((r) => `${r.scenario}: ${notApplicableReason(r)}`).join('; '),
      evidence: { scenarios: expected.map((r) => r.scenario) },
    });
  }
  const allFailed = values.length === 0 ? everySampleFailed(claim, expected) : undefined;
  if (allFailed) {
    // A figure whose every sample failed is not missing: the requests were sent and none came back right.
    return row(claim, adapter.name, {
      verdict: 'fail', value: null,
      reason: `every sample failed: ${allFailed.map((f) => `${f.scenario} answered 0 of ${f.errors} request(s)`).join(', ')}, so there is no ${claim.metric} to compare with ${claim.threshold} (the failures are counted and quoted by valid-requests-succeed)`,
      evidence: { scenarios: allFailed.map((f) => f.scenario), samples: 0 },
    });
  }
  if (values.length === 0) {
    return row(claim, adapter.name, {
      verdict: 'inconclusive', value: null,
      reason: whyMissing(claim, results, adapter.name),
      evidence: { scenarios: results.filter((r) => def.scenarios.includes(r.scenario as never)).map((r) => r.scenario) },
    });
  }
  const value = combine(values, threshold, def, 'worst');
  const scenarios = [...new Set(values.map((v) => v.scenario))];
  const notes: string[] = [];
  if (values.length > 1) notes.push(`per scenario: ${values.map((v) => `${v.scenario} ${fmt(claim, v.value)}`).join(', ')}`);
  const samples = sampleCount(claim, results);

  for (const p of claim.resolved.preconditions) {
    const pv = collect(results, p.metric, p.def, p.threshold.aggregation);
    if (pv.length === 0) {
      return row(claim, adapter.name, {
        verdict: 'inconclusive', value,
        reason: `measured ${fmt(claim, value)}, but the precondition ${p.metric} ${p.threshold.text} was not measured (${p.why})`,
        evidence: { scenarios, samples, notes },
      });
    }
    const best = combine(pv, p.threshold, p.def, 'best');
    notes.push(`precondition ${p.metric} ${p.threshold.text}: ${formatValue(best, p.def, p.threshold)}`);
    if (!p.threshold.check(best)) {
      return row(claim, adapter.name, {
        verdict: 'inconclusive', value,
        reason: `measured ${fmt(claim, value)}, but the precondition ${p.metric} ${p.threshold.text} does not hold (${formatValue(best, p.def, p.threshold)}): ${p.why}`,
        evidence: { scenarios, samples, notes },
      });
    }
  }

  const ok = threshold.check(value);
  const breakdown = breakdownOf(claim, results);
  // The interval of the figure that decided (a sum of counts has none): near threshold when it straddles the limit.
  const decided = values.length === 1 || !(def.kind === 'count' && threshold.aggregation === 'count') ? values.find((v) => v.value === value) : undefined;
  const iv = decided?.interval;
  const interval = iv ? { ...iv, scenario: decided!.scenario } : undefined;
  const near = interval ? straddles(threshold.check, interval.lo, interval.hi) : false;
  const intervalNote = interval ? ` (95% interval ${intervalText(claim, interval)}${near ? '; near threshold' : ''})` : '';
  const measured = `${threshold.aggregation === 'value' ? '' : `${threshold.aggregation} `}${fmt(claim, value)}${intervalNote}`;
  let reason: string;
  if (claim.kind === 'target') {
    // A config's own claim quotes its document only when the config says what the document states.
    const stated = claim.origin === 'config' ? (claim.stated ? ` (${formatSource(claim.source)}: ${claim.stated})` : '') : ` (seed: ${claim.stated})`;
    reason = `${measured} ${ok ? 'meets' : 'misses'} ${claim.threshold}${stated}`;
    const quotes = ok || !def.quoteErrors ? [] : quotedErrors(results, def.quoteErrors);
    if (quotes.length) reason += `; first: ${quotes.join(' | ')}`;
  } else {
    const context = contextText(claim, results);
    if (context) notes.push(`context: ${context}`);
    if (ok) {
      reason = `confirmed: ${claim.statement} Measured ${measured} (${claim.threshold})${context ? `; ${context}` : ''}`;
    } else {
      const risks = realRisks(claim, results);
      reason = `refuted: ${claim.refutedMeans} (${measured}${context ? `; ${context}` : ''}); ` +
        (risks.length ? `the real risk measured: ${risks.join('; ')}` : 'no other risk from this thesis\'s list was measured in this run');
    }
  }
  if (!ok && breakdown) reason += `; ${breakdownText(claim, breakdown)}`;
  return {
    ...row(claim, adapter.name, { verdict: ok ? 'pass' : 'fail', value, reason, evidence: { scenarios, samples: samples ?? interval?.n, notes, ...(breakdown ? { breakdown } : {}) } }),
    ...(interval ? { interval, nearThreshold: near } : {}),
  };
}

function intervalText(claim: ResolvedClaim, i: { lo: number | null; hi: number | null; n: number }): string {
  const side = (v: number | null, open: string) => (v === null ? open : fmt(claim, v));
  return `${side(i.lo, 'below the smallest sample')} to ${side(i.hi, 'beyond the largest sample')}, n=${i.n}`;
}

type Breakdown = NonNullable<VerdictRow['evidence']['breakdown']>;

/** The parts the results measured the claim's metric in, each judged by the claim's threshold (worst part first per key). */
function breakdownOf(claim: ResolvedClaim, results: readonly ScenarioResult[]): Breakdown | undefined {
  const { threshold } = claim.resolved;
  let by: string | undefined;
  const parts: Breakdown['parts'] = [];
  for (const r of results) {
    const b = r.breakdowns?.[claim.metric];
    if (!b) continue;
    by ??= b.by;
    for (const p of b.parts) {
      parts.push({ ...p, scenario: r.scenario, verdict: p.value === null ? 'inconclusive' : threshold.check(p.value) ? 'pass' : 'fail' });
    }
  }
  return by === undefined ? undefined : { by, parts };
}


/** "by category: emoji 0 (worst "..."), cjk 0.41 (worst "..."); every other category meets min>=0.9999". */
function breakdownText(claim: ResolvedClaim, b: Breakdown): string {
  const failed = b.parts.filter((p) => p.verdict === 'fail').sort((x, y) => (x.value ?? 0) - (y.value ?? 0));
  const missing = b.parts.filter((p) => p.verdict === 'inconclusive');
  if (failed.length === 0 && missing.length === 0) return `every ${b.by} meets ${claim.threshold}: the miss is outside the ${b.by} breakdown`;
  const shown = failed.slice(0, 6).map((p) => `${p.label} ${p.value === null ? 'n/a' : fmt(claim, p.value)}${p.worst !== undefined ? ` (worst ${quoteText(p.worst, 80)}${p.note ? `: ${p.note}` : ''})` : p.note ? ` (${p.note})` : ''}`);
  if (failed.length > 6) shown.push(`${failed.length - 6} more`);
  const rest = b.parts.length - failed.length - missing.length;
  return `by ${b.by}: ${shown.join(', ')}${missing.length ? `; not measured: ${missing.map((p) => p.label).join(', ')}` : ''}${rest > 0 ? `; every other ${b.by} meets ${claim.threshold}` : ''}`;
}

/** Errors with `code` of the results, first QUOTED per scenario, each cut to 400 characters. */
function quotedErrors(results: readonly ScenarioResult[], code: string): string[] {
  const QUOTED = 2;
  const out: string[] = [];
  for (const r of results) {
    for (const e of r.errors.filter((x) => x.code === code).slice(0, QUOTED)) out.push(`${r.scenario}: ${e.message.slice(0, 400)}`);
  }
  return out.slice(0, 6);
}

/**
 * For a latency figure with no value: the scenarios that sent its requests and had every one fail (a summary with
 * 0 samples and errors), or undefined when none did.
 */
function everySampleFailed(claim: ResolvedClaim, expected: readonly ScenarioResult[]): Array<{ scenario: string; errors: number }> | undefined {
  const def = claim.resolved.def;
  if (def.kind !== 'latency' || !def.latencyKey) return undefined;
  const failed = expected
    .map((r) => ({ scenario: r.scenario, s: r.latency?.[def.latencyKey!] }))
    .filter((x) => x.s !== undefined && x.s.count === 0 && x.s.errors > 0)
    .map((x) => ({ scenario: x.scenario, errors: x.s!.errors }));
  return failed.length ? failed : undefined;
}

function fmt(claim: ResolvedClaim, v: number): string {
  return formatValue(v, claim.resolved.def, claim.resolved.threshold);
}

function sampleCount(claim: ResolvedClaim, results: readonly ScenarioResult[]): number | undefined {
  if (claim.resolved.def.kind !== 'latency') return undefined;
  const counts = collect(results, claim.metric, claim.resolved.def, 'count');
  return counts.length ? counts.reduce((a, b) => a + b.value, 0) : undefined;
}

function contextText(claim: ResolvedClaim, results: readonly ScenarioResult[]): string {
  const parts: string[] = [];
  for (const c of claim.resolved.context) {
    const agg = c.def.kind === 'latency' ? 'p50' : 'value';
    const vals = collect(results, c.metric, c.def, agg);
    if (vals.length === 0) continue;
    const v = Math.max(...vals.map((x) => x.value));
    parts.push(`${c.metric} ${formatValue(v, c.def, { aggregation: agg })}`);
  }
  return parts.join(', ');
}

function realRisks(claim: ResolvedClaim, results: readonly ScenarioResult[]): string[] {
  const out: string[] = [];
  for (const r of claim.resolved.realRisks) {
    const vals: Measured[] = collect(results, r.metric, r.def, r.threshold.aggregation);
    if (vals.length === 0) continue;
    const v = combine(vals, r.threshold, r.def, 'best');
    if (r.threshold.check(v)) out.push(`${r.says} (${r.metric} = ${formatValue(v, r.def, r.threshold)})`);
  }
  return out;
}

/** Why no figure: which expected scenarios did not run, were skipped, lost their host, or did not report it. */
export function whyMissing(claim: ResolvedClaim, results: readonly ScenarioResult[], adapter: string): string {
  const { def, threshold } = claim.resolved;
  const key = metricKey(claim.metric, threshold.aggregation, def);
  if (adapter === BENCH_ADAPTER && results.length === 0) {
    return `not measured: this run has no benchmark results (run with \`--bench quick\`, or pass a bench.json from \`gauntlet bench\` with \`--bench-results FILE\`, to measure ${key})`;
  }
  if (results.length === 0) return `not measured: no scenario ran for adapter ${adapter}`;
  const expected = results.filter((r) => def.scenarios.includes(r.scenario as never));
  if (expected.length === 0) {
    return `not measured: ${def.scenarios.join(' / ')} did not run for ${adapter} (${key} comes from ${def.scenarios.length > 1 ? 'those scenarios' : 'that scenario'})`;
  }
  const parts = expected.map((r) => {
    const err = r.errors?.[0];
    switch (r.status) {
      case 'skipped': return `${r.scenario} was skipped${r.notes?.[0] ? `: ${r.notes[0]}` : ''}`;
      case 'host-died': {
        const how = err ? (err.signal ? `signal ${err.signal}` : err.exitCode != null ? `exit code ${err.exitCode}` : err.message) : 'no details';
        return `${r.scenario}: the host died before measuring (${how})`;
      }
      case 'timed-out': return `${r.scenario} timed out before measuring`;
      case 'harness-error': return `${r.scenario}: harness error${err ? `: ${err.message}` : ''}`;
      default: {
        const reported = Object.prototype.hasOwnProperty.call(r.metrics ?? {}, key);
        if (reported) return `${r.scenario} reported ${key} as null${r.notes?.[0] ? ` (${r.notes[0]})` : ''}`;
        if (r.adapter === BENCH_ADAPTER) {
          const skipped = r.notes?.filter((n) => n.startsWith('bench section ')) ?? [];
          return `the benchmarks have no figure for ${key}${skipped.length ? ` (${skipped.join('; ')})` : ' (gauntlet bench does not measure it)'}`;
        }
        return `${r.scenario} completed without reporting ${key}`;
      }
    }
  });
  return `not measured: ${parts.join('; ')}`;
}

export type { ParsedCheck };
