/**
 * Judging the corpus: each delivered vector against the oracle's (cosine, scale-free, so an adapter's L2
 * normalisation does not matter), then the lowest cosine per category with the text that set it. A request that
 * ended in an error is a miss of every text it carried (cosine 0, the error quoted): a valid text is owed a vector.
 */
import { cosine } from '../gguf/oracle-math.ts';
import type { BreakdownPart } from '../report/schema.ts';
import { CORPUS_CATEGORY_IDS, categoryLabel } from './categories.ts';
import type { CorpusText } from './build-corpus.ts';

export interface TextOutcome {
  item: CorpusText;
  /** null: no vector (see error). */
  cosine: number | null;
  error?: string;
}

/**
 * Cosine of a delivered vector with the reference; a length mismatch, a zero vector or a non-finite value counts as
 * 0 (the oracle's cosine gives NaN for those).
 */
export function judgeVector(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const c = cosine(got, want);
  return Number.isFinite(c) ? c : 0;
}

/** One part per category that has texts, in the categories' order: lowest cosine, text count, worst text. */
export function categoryParts(outcomes: readonly TextOutcome[]): BreakdownPart[] {
  const parts: BreakdownPart[] = [];
  for (const key of CORPUS_CATEGORY_IDS) {
    const mine = outcomes.filter((o) => o.item.category === key);
    if (mine.length === 0) continue;
    let worst = mine[0]!;
    const score = (o: TextOutcome) => o.cosine ?? 0;
    for (const o of mine) if (score(o) < score(worst)) worst = o;
    parts.push({
      key, label: categoryLabel(key), value: score(worst), count: mine.length, worst: worst.item.text,
      ...(worst.error ? { note: `no vector: ${worst.error}` } : {}),
    });
  }
  return parts;
}

/** The lowest cosine over every text (0 when any request failed). */
export function overallMin(outcomes: readonly TextOutcome[]): number {
  return outcomes.reduce((m, o) => Math.min(m, o.cosine ?? 0), 1);
}
