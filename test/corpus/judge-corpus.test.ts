/** Judging corpus vectors: scale-free cosine, wrong shapes and zero vectors as 0, the worst text per category. */
import { describe, expect, it } from 'vitest';
import { categoryParts, judgeVector, overallMin, type TextOutcome } from '../../harness/corpus/judge-corpus.ts';

describe('judging the corpus', () => {
  it('cosine is scale-free; a wrong length, a zero vector or a NaN is 0', () => {
    expect(judgeVector([2, 4, 6], [1, 2, 3])).toBeCloseTo(1, 12);
    expect(judgeVector([1, 2], [1, 2, 3])).toBe(0);
    expect(judgeVector([0, 0, 0], [1, 2, 3])).toBe(0);
    expect(judgeVector([NaN, 1, 1], [1, 2, 3])).toBe(0);
    expect(judgeVector([], [1, 2, 3])).toBe(0);
  });
  it('keeps the lowest cosine of each category with its text, an error as 0 with its message, in category order', () => {
    const o = (category: TextOutcome['item']['category'], text: string, cosine: number | null, error?: string): TextOutcome =>
      ({ item: { category, text, tokens: 3 }, cosine, ...(error ? { error } : {}) });
    const parts = categoryParts([
      o('cjk', '中文', 0.5), o('ascii', 'b', 0.99), o('ascii', 'a', 1), o('cjk', '日本', 0.9), o('near-limit', 'x y', null, 'GAUNTLET_EMBED_FAILED: too-many-tokens'),
    ]);
    expect(parts.map((p) => [p.key, p.value, p.count, p.worst])).toEqual([['ascii', 0.99, 2, 'b'], ['cjk', 0.5, 2, '中文'], ['near-limit', 0, 1, 'x y']]);
    expect(parts[2]!.note).toBe('no vector: GAUNTLET_EMBED_FAILED: too-many-tokens');
    expect(overallMin([o('ascii', 'a', 1), o('cjk', 'b', 0.7)])).toBe(0.7);
  });
});
