/** Which corruption variants a run tries, their files, and how an outcome is judged. */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { applyCorruption, corruptionClass, CORRUPTIONS, type CorruptionVariant } from '../../harness/gguf/corrupt.ts';
import { cosine } from '../../harness/gguf/oracle-math.ts';
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import type { FileOutcome } from './corrupt-gguf-probers.ts';

/**
 * 'all': the whole catalogue. 'auto': the whole catalogue for the `reference` and in-process adapters, a
 * representative subset for the others. A list of ids: exactly those.
 */
export type Selection = 'all' | 'auto' | readonly string[];

/** Every variant node-llama-cpp was measured to abort or hang on, plus the first `perPart` of each part. */
export function representative(perPart: number): CorruptionVariant[] {
  const seen = new Map<string, number>();
  return CORRUPTIONS.filter((v) => {
    if (v.llamaRisk === 'abort' || v.llamaRisk === 'hang') return true;
    const n = seen.get(v.part) ?? 0;
    seen.set(v.part, n + 1);
    return n < perPart;
  });
}

/**
 * For the http adapter (a server start per file): the first variant of each part and the first one node-llama-cpp
 * aborts on, no hanging one (each would cost the whole start deadline).
 */
export function httpSubset(): CorruptionVariant[] {
  const firstAbort = CORRUPTIONS.find((v) => v.llamaRisk === 'abort');
  const parts = new Set<string>();
  return CORRUPTIONS.filter((v) => {
    if (v === firstAbort) return true;
    if (v.llamaRisk === 'hang' || parts.has(v.part)) return false;
    parts.add(v.part);
    return true;
  });
}

export function selectVariants(sel: Selection, adapter: ResolvedAdapter, perPart: number): { variants: CorruptionVariant[]; subset: boolean } {
  if (Array.isArray(sel) && sel.length > 0) {
    const unknown = sel.filter((id) => !CORRUPTIONS.some((v) => v.id === id));
    if (unknown.length) throw new Error(`corrupt-gguf: unknown variant id(s) ${JSON.stringify(unknown)}; see \`gauntlet gguf corrupt --list\``);
    return { variants: CORRUPTIONS.filter((v) => sel.includes(v.id)), subset: true };
  }
  const whole = sel === 'all' || adapter.name === 'reference' || adapter.config.kind === 'in-process';
  if (whole) return { variants: CORRUPTIONS, subset: false };
  return { variants: adapter.config.kind === 'http' ? httpSubset() : representative(perPart), subset: true };
}

/** Writes the variant files (once per run: same base and seed give the same bytes). */
export async function variantFiles(base: string, dir: string, variants: CorruptionVariant[], seed: number): Promise<Map<string, string>> {
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, string>();
  for (const v of variants) {
    const file = path.join(dir, `${v.id}.gguf`);
    if (!existsSync(file)) {
      await applyCorruption(v.id, base, `${file}.tmp`, seed);
      renameSync(`${file}.tmp`, file);
    }
    out.set(v.id, file);
  }
  return out;
}

/**
 * An error names the problem when, once the file's path and the bare "failed to load model" are taken out,
 * it still says something (three words or more).
 */
export function namesProblem(message: string, file: string): boolean {
  const rest = message.split(file).join(' ').split(path.basename(file)).join(' ').replace(/failed to load model/gi, ' ');
  return (rest.match(/[a-z]{3,}/gi) ?? []).length >= 3;
}

/**
 * 'loaded': a valid variant loaded; 'loaded-correct': an engine-specific one loaded and its vector matches the
 * oracle's (cosine >= 0.9999); 'loaded-silently': a must-refuse one loaded, or an engine-specific one whose vector
 * does not match (or could not be checked).
 */
export type Verdict = 'clear-error' | 'unclear-error' | 'died' | 'hang' | 'loaded' | 'loaded-correct' | 'loaded-silently' | 'nan';

/** Cosine an engine-specific file's vector must reach against the oracle's (DESIGN.md "Correctness", F32). */
export const CORRECT_COSINE = 0.9999;

/**
 * How one outcome counts, given the variant's class (harness/gguf/corruption-types.ts): a must-refuse file that
 * loads counts against the adapter; an engine-specific one may load if its vector matches `expected` (the oracle's
 * vector for the probe text; null or absent when the oracle could not compute one); a valid one should load.
 */
export function judge(v: CorruptionVariant, o: FileOutcome, file: string, expected?: ArrayLike<number> | null): Verdict {
  switch (o.kind) {
    case 'refused': return namesProblem(o.message, file) ? 'clear-error' : 'unclear-error';
    case 'died': return 'died';
    case 'hang': return 'hang';
    case 'loaded':
      if (!o.finite) return 'nan';
      switch (corruptionClass(v)) {
        case 'valid': return 'loaded';
        case 'must-refuse': return 'loaded-silently';
        case 'engine-specific':
          return expected && o.vector && o.vector.length === expected.length && cosine(o.vector, expected) >= CORRECT_COSINE ? 'loaded-correct' : 'loaded-silently';
      }
  }
}

/**
 * Verdicts that count against `corrupt-gguf-clear-error`. A death of the process holding the host (in-process) is
 * counted as a host crash instead; a dead embedder leaves the host a crash or give-up error, not the file's problem.
 */
export function isUnclear(verdict: Verdict, inProcess: boolean): boolean {
  if (verdict === 'died') return !inProcess;
  return verdict === 'unclear-error' || verdict === 'hang' || verdict === 'loaded-silently' || verdict === 'nan';
}
