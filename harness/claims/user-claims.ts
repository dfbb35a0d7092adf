/**
 * A config's own claims: turns one `claims.<id>` entry that declares a claim (title, source, metric, threshold...)
 * into a Claim the evaluator treats like a built-in one. The metric is a catalogue one (embed.latency) or one the
 * config declares with `kind` (and `unit`, `scenarios`: the scenarios that record it through ctx.metric /
 * ctx.latency). Problems come back as lines that quote the bad value and say what to do; nothing is thrown.
 */
import { METRICS, metricDef, type MetricDef, type MetricUnit } from './metrics-catalogue.ts';
import type { ClaimDefinition } from '../config/types.ts';
import { parseThreshold } from './threshold.ts';
import type { DocumentSource, MetricKind, UserClaim } from './types.ts';

/** One `claims.<id>` entry that adds a claim (its shape checked by the config schema). */
export type UserClaimInput = ClaimDefinition;

export interface UserClaimContext {
  /** Ids of the config's own scenarios, and for each the claim ids it lists. */
  scenarios: ReadonlyArray<{ id: string; claims: readonly string[] }>;
  /** Every scenario id a metric may name: built-in ones and the config's. */
  knownScenarios: readonly string[];
  /** For the rationale: "declared in <file>". */
  configFile?: string;
}

/** Units a metric of each kind may have; the first is the default. */
export const UNITS_BY_KIND: Record<MetricKind, readonly MetricUnit[]> = {
  latency: ['ms'],
  bytes: ['bytes', 'bytes/request'],
  count: ['count'],
  rate: ['req/s', 'texts/s', 'msg/s', 'B/s'],
  ratio: ['ratio'],
  boolean: ['boolean'],
};

const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

const q = (v: unknown) => JSON.stringify(v);

/** "docs/slo.md#latency" -> { document: "docs/slo.md", section: "latency" }. */
export function parseUserSource(source: UserClaimInput['source']): DocumentSource {
  if (typeof source !== 'string') return source.section ? { document: source.document, section: source.section } : { document: source.document };
  const hash = source.indexOf('#');
  if (hash <= 0 || hash === source.length - 1) return { document: hash === source.length - 1 ? source.slice(0, -1) : source };
  return { document: source.slice(0, hash), section: source.slice(hash + 1) };
}

/** A few catalogue metrics whose names share a word with `name`, for "did you mean". */
function nearMetrics(name: string): string[] {
  const words = new Set(name.toLowerCase().split(/[.\-_]/));
  return Object.keys(METRICS)
    .map((m) => ({ m, score: m.toLowerCase().split(/[.\-_]/).filter((w) => words.has(w)).length }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((x) => x.m);
}

function metricFor(id: string, input: UserClaimInput, ctx: UserClaimContext, problems: string[]): MetricDef<string> | undefined {
  const where = `claims.${id}`;
  const builtIn = metricDef(input.metric);
  const listed = ctx.scenarios.filter((s) => s.claims.includes(id)).map((s) => s.id);
  for (const [i, s] of (input.scenarios ?? []).entries()) {
    if (!ctx.knownScenarios.includes(s)) {
      problems.push(`${where}.scenarios[${i}]: no scenario ${q(s)}; known: ${ctx.knownScenarios.join(', ')}`);
    }
  }
  if (builtIn) {
    if (input.kind !== undefined && input.kind !== builtIn.kind) {
      problems.push(`${where}.kind: ${q(input.metric)} is a built-in ${builtIn.kind} metric, got kind ${q(input.kind)}; drop \`kind\`, or name a metric of your own`);
    }
    if (input.unit !== undefined && input.unit !== builtIn.unit) {
      problems.push(`${where}.unit: ${q(input.metric)} is a built-in metric in ${q(builtIn.unit)}, got ${q(input.unit)}; drop \`unit\``);
    }
    const extra = [...(input.scenarios ?? []), ...listed].filter((s) => !(builtIn.scenarios as string[]).includes(s));
    return extra.length ? { ...builtIn, scenarios: [...builtIn.scenarios, ...new Set(extra)] } : undefined;
  }
  if (!METRIC_NAME.test(input.metric)) {
    problems.push(`${where}.metric: expected a metric name such as "search.latency" (letters, digits, '_', '-', dot-separated), got ${q(input.metric)}`);
    return undefined;
  }
  if (input.kind === undefined) {
    const near = nearMetrics(input.metric);
    problems.push(`${where}.kind: ${q(input.metric)} is not a built-in metric${near.length ? ` (did you mean ${near.map(q).join(' or ')}?)` : ''}; `
      + `to declare it as your own, add kind: one of ${Object.keys(UNITS_BY_KIND).map(q).join(', ')}`);
    return undefined;
  }
  const units = UNITS_BY_KIND[input.kind];
  const unit = (input.unit ?? units[0]) as MetricUnit;
  if (!units.includes(unit)) {
    problems.push(`${where}.unit: a ${input.kind} metric is in ${units.map(q).join(' or ')}, got ${q(input.unit)}; drop \`unit\` or use one of those`);
  }
  const scenarios = [...new Set([...(input.scenarios ?? []), ...listed])];
  if (scenarios.length === 0) {
    problems.push(`${where}.scenarios: nothing records ${q(input.metric)}; name the scenario(s) that call ctx.metric(${q(input.metric)}, ...) `
      + `or ctx.latency(${q(input.metric)}, ...) here, or list ${q(id)} in that scenario's \`claims\``);
  }
  const builtInScenario = scenarios.find((s) => !ctx.scenarios.some((u) => u.id === s) && ctx.knownScenarios.includes(s));
  if (builtInScenario) {
    problems.push(`${where}.scenarios: ${q(builtInScenario)} is a built-in scenario and never records your metric ${q(input.metric)}; name your own scenario that does`);
  }
  return {
    kind: input.kind,
    unit,
    scenarios,
    description: input.description ?? `${input.metric}, declared by claim ${id} in ${ctx.configFile ?? 'the config'}`,
    ...(input.kind === 'latency' ? { latencyKey: input.metric } : {}),
  };
}

/** The Claim for one entry, or the problems that keep it from being one. */
export function userClaim(id: string, input: UserClaimInput, ctx: UserClaimContext): { claim?: UserClaim; problems: string[] } {
  const problems: string[] = [];
  const def = metricFor(id, input, ctx, problems);
  // The threshold is checked even when something else is wrong, so that one pass over the config shows every problem.
  const known = def ?? metricDef(input.metric) ?? (input.kind ? { kind: input.kind, unit: input.unit ?? UNITS_BY_KIND[input.kind][0] } : undefined);
  if (known) {
    try {
      parseThreshold(input.threshold, { kind: known.kind, metricUnit: known.unit, where: `claims.${id}.threshold` });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) return { problems };
  const claim: UserClaim = {
    id,
    kind: 'target',
    origin: 'config',
    title: input.title,
    source: parseUserSource(input.source),
    metric: input.metric,
    threshold: input.threshold,
    severity: input.severity ?? 'required',
    rationale: input.description ?? `declared in ${ctx.configFile ?? 'the config'}`,
    stated: input.stated ?? '',
    ...(input.appliesTo ? { appliesTo: input.appliesTo } : {}),
    ...(def ? { metricDef: def } : {}),
  };
  return { claim, problems };
}
