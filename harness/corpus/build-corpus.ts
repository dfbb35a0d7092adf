/**
 * The hard-text corpus of one run (issue 23): deterministic from the run's seed, the model's tokenizer and the
 * context an adapter gives. Single texts are sent one per embed request; the padding and repetition categories are
 * batches (a short text beside a near-limit one; one text several times).
 *
 * Every text has at least one token (a text without tokens has no embedding: node-llama-cpp answers a zero-length
 * vector, bad-input's business) and fewer tokens than the context; lone surrogates and NUL are left to bad-input too.
 */
import { createRng, type ScenarioRng } from '../runner/rng.ts';
import type { CorpusCategory } from './categories.ts';
import { fitTokens, type Encode } from './fit-tokens.ts';
import { SINGLE_GENERATORS, WORDS, asciiText, longWord } from './generate-texts.ts';

export interface CorpusText {
  category: CorpusCategory;
  text: string;
  /** Tokens the model's tokenizer evaluates for it, special tokens included. */
  tokens: number;
}

/** One request: a single embed, or a batch whose vectors are judged one by one. */
export interface CorpusRequest {
  kind: 'single' | 'batch';
  texts: CorpusText[];
}

export interface HardCorpus {
  requests: CorpusRequest[];
  /** The context (tokens) the near-limit texts were fitted to. */
  contextSize: number;
  /** Anything the builder could not do exactly (a near-limit text short of its target). */
  notes: string[];
}

export interface CorpusOptions {
  seed: number;
  /** Texts per single-text category. */
  perCategory: number;
  /** Texts of each near-limit length (context - 1 and context - 2). */
  nearLimit: number;
  /** Mixed-length batches. */
  paddingBatches: number;
  /** Copies of the repeated text in its batch. */
  repeat: number;
  /** The model's tokenizer: the ids an embedding of the text evaluates, special tokens included. */
  encode: Encode;
  /** The context the adapter gives (tokens); an input must have fewer. */
  contextSize: number;
  /** Most texts per batch the adapter takes. */
  maxBatch: number;
}

const SINGLE_CATEGORIES = Object.keys(SINGLE_GENERATORS) as Array<keyof typeof SINGLE_GENERATORS>;

/** Seeded words for near-limit texts: enough to pass `target` tokens whatever the tokenizer. */
function nearLimitWords(rng: ScenarioRng, target: number): string[] {
  return Array.from({ length: target + 8 }, () => (rng.int(9) === 0 ? String(rng.int(1000)) : rng.pick(WORDS)));
}

export function buildHardCorpus(o: CorpusOptions): HardCorpus {
  const notes: string[] = [];
  const count = (t: string) => o.encode(t).length;
  const requests: CorpusRequest[] = [];
  const seen = new Set<string>();
  // Texts of ordinary categories stay well inside the context, so that a fault at the limit breaks near-limit only.
  const ordinaryMax = Math.max(3, Math.floor(o.contextSize / 2));

  for (const category of SINGLE_CATEGORIES) {
    const rng = createRng(o.seed, 'corpus', category);
    const gen = SINGLE_GENERATORS[category];
    let made = 0;
    for (let attempt = 0; made < o.perCategory && attempt < o.perCategory * 20; attempt++) {
      let text = gen(rng);
      // A long word past the budget is cut (at a character: still one word), never dropped.
      if (category === 'long-words') while (count(text) > ordinaryMax && text.length > 8) text = text.slice(0, Math.floor(text.length * 0.8));
      const tokens = count(text);
      if (tokens === 0 || tokens > ordinaryMax || seen.has(text)) continue;
      seen.add(text);
      requests.push({ kind: 'single', texts: [{ category, text, tokens }] });
      made++;
    }
    if (made < o.perCategory) notes.push(`corpus: only ${made} of ${o.perCategory} ${category} texts could be drawn`);
  }

  const rng = createRng(o.seed, 'corpus', 'near-limit');
  const near = (target: number): CorpusText | undefined => {
    if (target < 3) return undefined;
    const fitted = fitTokens(o.encode, target, nearLimitWords(rng, target));
    if (!fitted.exact) notes.push(`corpus: no text of exactly ${target} tokens was found; the closest has ${fitted.tokens}`);
    return fitted.tokens > 0 ? { category: 'near-limit', text: fitted.text, tokens: fitted.tokens } : undefined;
  };
  for (let i = 0; i < o.nearLimit; i++) {
    for (const gap of [1, 2]) {
      const t = near(o.contextSize - gap);
      if (t) requests.push({ kind: 'single', texts: [t] });
    }
  }

  // Padding: a one-word text (and, when the batch has room, an ordinary one) beside a text of context - 2 tokens,
  // in either order. The short ones are judged as 'padding'; the long one keeps its own category (near-limit).
  // context - 2, not - 1: so that an engine that refuses the last token of room fails near-limit alone.
  const prng = createRng(o.seed, 'corpus', 'padding');
  for (let i = 0; i < o.paddingBatches && o.maxBatch >= 2; i++) {
    const long = near(o.contextSize - 2);
    if (!long) break;
    const word = prng.pick(WORDS);
    const shorts: CorpusText[] = [{ category: 'padding', text: word, tokens: count(word) }];
    if (o.maxBatch >= 3) {
      const t = asciiText(prng);
      shorts.push({ category: 'padding', text: t, tokens: count(t) });
    }
    requests.push({ kind: 'batch', texts: i % 2 === 0 ? [...shorts, long] : [long, ...shorts] });
  }

  const rrng = createRng(o.seed, 'corpus', 'repeated');
  const copies = Math.min(o.repeat, o.maxBatch);
  if (copies >= 2) {
    const text = `${asciiText(rrng)} ${longWord(rrng, 12)}`;
    const tokens = count(text);
    requests.push({ kind: 'batch', texts: Array.from({ length: copies }, () => ({ category: 'repeated' as const, text, tokens })) });
  }
  return { requests, contextSize: o.contextSize, notes };
}

/** Every text of the corpus with the request it belongs to, in request order. */
export function corpusTexts(c: HardCorpus): CorpusText[] {
  return c.requests.flatMap((r) => r.texts);
}
