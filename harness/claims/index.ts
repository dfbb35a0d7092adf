export { CLAIMS, claimsForConfig } from './catalogue.ts';
export { parseThreshold, normaliseAggregation } from './threshold.ts';
export { evaluateClaims, evaluateOne, BENCH_ADAPTER, isBenchClaim } from './evaluate.ts';
export { resolveClaim, resolveClaims } from './resolve.ts';
export { METRICS, metricDef, metricKey } from './metrics-catalogue.ts';
export { SEEDS, formatSource } from './seeds.ts';
export { renderClaimsMarkdown, writeClaimsDoc } from './claims-doc.ts';
export { formatValue, formatBytes, formatMs } from './format.ts';

export type { Claim, AnyClaim, UserClaim, DocumentSource, TargetClaim, ThesisClaim, ClaimSource, MetricKind, ScenarioId, AdapterKind, SeedId, Precondition, RealRisk } from './types.ts';
export type { ParsedThreshold, ThresholdOp, UnitFamily, ParseOptions } from './threshold.ts';
export type { ResolvedClaim, ClaimOverride, ClaimOverrides } from './resolve.ts';
export type { AdapterRef } from './evaluate.ts';
export type { MetricDef, MetricName } from './metrics-catalogue.ts';
