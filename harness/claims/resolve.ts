/**
 * Config-time checking of claims: every threshold is parsed against its metric's kind, every metric must exist in
 * the catalogue, ids must be unique kebab-case. `claimsForConfig()` applies user overrides on top of CLAIMS.
 */
import { z } from 'zod';
import { GauntletError } from '../util/errors.ts';
import { metricDef, type MetricDef } from './metrics-catalogue.ts';
import { parseThreshold, type ParsedThreshold } from './threshold.ts';
import { ADAPTER_KINDS, type AdapterKind, type AnyClaim, type Claim } from './types.ts';

export interface ParsedCheck { metric: string; def: MetricDef<string>; threshold: ParsedThreshold }

export type ResolvedClaim = AnyClaim & {
  resolved: {
    def: MetricDef<string>;
    threshold: ParsedThreshold;
    preconditions: Array<ParsedCheck & { why: string }>;
    realRisks: Array<ParsedCheck & { says: string }>;
    context: Array<{ metric: string; def: MetricDef<string> }>;
  };
};

const KEBAB = /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/;

function invalid(message: string, details: Record<string, unknown> = {}): GauntletError {
  return new GauntletError('GAUNTLET_CONFIG_INVALID', message, { details });
}

function lookup(where: string, metric: string): MetricDef {
  const def = metricDef(metric);
  if (!def) {
    throw invalid(`${where}: unknown metric ${JSON.stringify(metric)}; add it to harness/claims/metrics-catalogue.ts or use one that exists`, { metric });
  }
  return def;
}

function check(where: string, metric: string, threshold: string, declared?: MetricDef<string>): ParsedCheck {
  const def = declared ?? lookup(`${where}.metric`, metric);
  return { metric, def, threshold: parseThreshold(threshold, { kind: def.kind, metricUnit: def.unit, where: `${where}.threshold` }) };
}

/** Parses and checks one claim; throws GAUNTLET_CONFIG_INVALID naming the claim and the bad value. */
export function resolveClaim(claim: AnyClaim): ResolvedClaim {
  const where = `claims.${claim.id}`;
  if (!KEBAB.test(claim.id)) throw invalid(`${where}: id must be kebab-case (a-z, 0-9, '-'), got ${JSON.stringify(claim.id)}`);
  if (claim.severity !== 'required' && claim.severity !== 'advisory') {
    throw invalid(`${where}.severity: expected "required" or "advisory", got ${JSON.stringify(claim.severity)}`);
  }
  for (const k of claim.appliesTo ?? []) {
    if (!ADAPTER_KINDS.includes(k)) throw invalid(`${where}.appliesTo: expected adapter kinds ${ADAPTER_KINDS.join(', ')}, got ${JSON.stringify(k)}`);
  }
  if (claim.kind === 'thesis' && (!claim.statement || !claim.refutedMeans)) {
    throw invalid(`${where}: a thesis needs a statement and refutedMeans`);
  }
  const main = check(where, claim.metric, claim.threshold, claim.metricDef);
  const preconditions = (claim.preconditions ?? []).map((p, i) => ({ ...check(`${where}.preconditions[${i}]`, p.metric, p.threshold), why: p.why }));
  const realRisks = claim.kind === 'thesis'
    ? (claim.realRisks ?? []).map((r, i) => ({ ...check(`${where}.realRisks[${i}]`, r.metric, r.threshold), says: r.says }))
    : [];
  const context = claim.kind === 'thesis'
    ? (claim.context ?? []).map((m, i) => ({ metric: m, def: lookup(`${where}.context[${i}]`, m) }))
    : [];
  return { ...claim, resolved: { def: main.def, threshold: main.threshold, preconditions, realRisks, context } } as ResolvedClaim;
}

/** Resolves a list, checking ids are unique. */
export function resolveClaims(claims: readonly AnyClaim[]): ResolvedClaim[] {
  const seen = new Set<string>();
  return claims.map((c) => {
    if (seen.has(c.id)) throw invalid(`claims: duplicate claim id ${JSON.stringify(c.id)}`);
    seen.add(c.id);
    return isResolved(c) ? c : resolveClaim(c);
  });
}

export function isResolved(c: AnyClaim | ResolvedClaim): c is ResolvedClaim {
  return 'resolved' in c && typeof (c as ResolvedClaim).resolved === 'object';
}

const overrideObject = z.object({
  threshold: z.string().min(1).optional(),
  severity: z.enum(['required', 'advisory']).optional(),
  appliesTo: z.array(z.enum(ADAPTER_KINDS as [AdapterKind, ...AdapterKind[]])).optional(),
}).strict();
const overrideSchema = z.union([z.literal(false), overrideObject]);

/** Per-claim overrides from the config: `false` drops the claim; an object changes its threshold, severity or scope. */
export type ClaimOverride = z.infer<typeof overrideSchema>;
export type ClaimOverrides = Record<string, ClaimOverride>;

function nearest(id: string, ids: string[]): string[] {
  const words = new Set(id.split('-'));
  return ids
    .map((c) => ({ c, score: c.split('-').filter((w) => words.has(w)).length }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((x) => x.c);
}

/**
 * The claims a run checks: `base` (CLAIMS by default) with `overrides` applied and `extra` claims appended,
 * every threshold parsed now so that a bad one fails before any scenario runs.
 */
export function claimsForConfig(overrides: ClaimOverrides = {}, options: { base: readonly Claim[]; extra?: readonly AnyClaim[] }): ResolvedClaim[] {
  const ids = options.base.map((c) => c.id);
  for (const [id, raw] of Object.entries(overrides)) {
    if (!ids.includes(id)) {
      const near = nearest(id, ids);
      throw invalid(`claims.${id}: no such claim${near.length ? `; did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?` : ''} (see docs/claims.md for the list). `
        + 'To add a claim of your own, give it { title, source, metric, threshold }', { id });
    }
    const parsed = raw === false ? { success: true as const } : overrideObject.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path.length ? `.${issue.path.join('.')}` : '';
      throw invalid(`claims.${id}${at}: ${issue.message}; expected false or { threshold?, severity?, appliesTo? }, got ${JSON.stringify(raw)}`, { id });
    }
  }
  const out: AnyClaim[] = [];
  for (const claim of options.base) {
    const o = overrides[claim.id];
    if (o === false) continue;
    out.push(o ? ({ ...claim, ...o } as Claim) : claim);
  }
  out.push(...(options.extra ?? []));
  return resolveClaims(out.map((c) => (isResolved(c) ? stripResolved(c) : c)));
}

function stripResolved(c: ResolvedClaim): AnyClaim {
  const { resolved: _r, ...rest } = c;
  return rest as AnyClaim;
}
