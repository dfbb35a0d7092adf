/**
 * verifyModel(): embeds the corpus with the oracle and with node-llama-cpp (in a child, via probeWithLlama) and
 * compares them text by text: token ids, vector length, cosine, largest absolute difference.
 */
import { readGguf } from './reader.ts';
import { GgmlType } from './types.ts';
import { boundForTypes, matrixTypes } from './reference-bound.ts';
import { loadOracle } from './oracle.ts';
import { cosine } from './oracle-math.ts';
import { corpusFor } from './corpus.ts';
import { probeWithLlama, type LlamaProbeOutcome } from './llama-probe.ts';

export interface VerifyTextResult {
  index: number;
  text: string;
  cosine: number;
  maxAbsDiff: number;
  tokensMatch: boolean;
  oracleTokens: number[];
  llamaTokens?: number[];
  lengths: [oracle: number, llama: number];
}

export interface VerifyReport {
  model: string;
  texts: number;
  minCosine: number;
  meanCosine: number;
  maxAbsDiff: number;
  /** Types of the weight matrices, lower-cased and joined with '+': f32, q8_0, q4_k+q6_k, ... */
  dtype: string;
  tokenMismatches: number;
  /** Vectors whose length differs between oracle and node-llama-cpp (an empty one against a full one counts). */
  lengthMismatches: number;
  bound: number;
  pass: boolean;
  probeOutcome: LlamaProbeOutcome;
  probeMessage?: string;
  worst?: { index: number; text: string; cosine: number };
  durationMs: { oracle: number; llama: number };
  perText: VerifyTextResult[];
}

/** Cosine bound an implementation must reach against the oracle, by weight type (harness/gguf/reference-bound.ts). */
export function cosineBound(dtype: GgmlType): number {
  return boundForTypes([dtype]).bound;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function sameIds(a: number[], b: number[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface VerifyOptions {
  /** Texts to compare (default: the corpus plus a context-filling text). */
  texts?: string[];
  /** Deadline of the node-llama-cpp child (default 120 000 ms). */
  timeoutMs?: number;
}

export async function verifyModel(path: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const file = await readGguf(path);
  const ref = boundForTypes(matrixTypes(file));
  const bound = ref.bound;
  const t0 = performance.now();
  const oracle = await loadOracle(path);
  const texts = opts.texts ?? corpusFor((t) => oracle.encode(t), oracle.contextSize);
  const expected = texts.map((t) => oracle.embed(t));
  const oracleMs = performance.now() - t0;
  const probe = await probeWithLlama(path, texts, {
    tokenize: true,
    contextSize: oracle.contextSize,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
  const perText: VerifyTextResult[] = texts.map((text, index) => {
    const got = probe.vectors?.[index] ?? [];
    const want = expected[index]!;
    const oracleTokens = oracle.tokenize(text);
    const llamaTokens = probe.tokens?.[index];
    return {
      index,
      text,
      cosine: want.length === got.length ? cosine(want, got) : NaN,
      maxAbsDiff: maxAbsDiff(want, got),
      tokensMatch: sameIds(oracleTokens, llamaTokens),
      oracleTokens,
      llamaTokens,
      lengths: [want.length, got.length],
    };
  });
  const embedded = probe.outcome === 'embedded';
  const cosines = perText.map((r) => r.cosine);
  const minCosine = cosines.reduce((m, c) => (Number.isNaN(c) || Number.isNaN(m) ? NaN : Math.min(m, c)), 1);
  const meanCosine = cosines.reduce((s, c) => s + c, 0) / Math.max(1, cosines.length);
  const rank = (c: number): number => (Number.isNaN(c) ? -Infinity : c);
  const worst = perText.reduce<VerifyTextResult | undefined>((w, r) => (w === undefined || rank(r.cosine) < rank(w.cosine) ? r : w), undefined);
  const tokenMismatches = perText.filter((r) => !r.tokensMatch).length;
  const lengthMismatches = perText.filter((r) => r.lengths[0] !== r.lengths[1]).length;
  return {
    model: path,
    texts: texts.length,
    minCosine,
    meanCosine,
    maxAbsDiff: perText.reduce((m, r) => Math.max(m, r.maxAbsDiff), 0),
    dtype: ref.types.map((t) => t.toLowerCase()).join('+'),
    tokenMismatches,
    lengthMismatches,
    bound,
    pass: embedded && tokenMismatches === 0 && lengthMismatches === 0 && minCosine >= bound,
    probeOutcome: probe.outcome,
    probeMessage: probe.message,
    worst: worst && { index: worst.index, text: worst.text, cosine: worst.cosine },
    durationMs: { oracle: Math.round(oracleMs), llama: Math.round(probe.durationMs) },
    perText,
  };
}
