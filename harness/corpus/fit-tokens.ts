/**
 * Texts of an exact token count, counted by the model's own tokenizer (`encode`: the ids an embedding evaluates,
 * special tokens included; the oracle's for the run's model, whatever tokenizer it declares). Counts are not
 * monotone in characters (a longer prefix can merge into fewer pieces), so the search is over whole words, then one
 * short filler at a time, checking the count after each step.
 */

export type Encode = (text: string) => ArrayLike<number>;

export interface FittedText {
  text: string;
  tokens: number;
  /** False when no text of exactly `target` tokens was found (then `tokens` < target, the closest below). */
  exact: boolean;
}

/** Fillers tried one at a time to close the last gap (each is one token under a WordPiece or BPE vocabulary). */
const FILLERS = [' ,', ' .', ' a', ',', '.', ' x'];

/**
 * The longest prefix of `words` (joined by spaces) with at most `target` tokens, then fillers appended while that
 * reaches `target` exactly. `words` must be long enough to exceed the target (the caller draws them).
 */
export function fitTokens(encode: Encode, target: number, words: readonly string[]): FittedText {
  const count = (t: string) => encode(t).length;
  const join = (k: number) => words.slice(0, k).join(' ');
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (count(join(mid)) <= target) lo = mid;
    else hi = mid - 1;
  }
  let text = join(lo);
  let n = count(text);
  for (let steps = 0; n < target && steps < 4 * target; steps++) {
    let advanced = false;
    for (const f of FILLERS) {
      const m = count(text + f);
      if (m > n && m <= target) {
        text += f;
        n = m;
        advanced = true;
        break;
      }
    }
    if (!advanced) break;
  }
  return { text, tokens: n, exact: n === target };
}
