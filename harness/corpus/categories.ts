/**
 * The categories of the hard-text corpus (issue 23): where embedding engines really break. Each has an id (used in
 * metric names `correctness.corpus.<id>.minCosine` and the report's table), a label and what it exercises in a
 * BERT WordPiece tokenizer as llama.cpp runs it (harness/gguf/tokenizer.ts).
 *
 * With the generated vocabulary (ASCII pieces only, FACTS.md) a word holding any character the vocabulary lacks is
 * one [UNK], so most categories test the preprocessing that decides how many words, and which, reach the vocabulary:
 * an accent that is stripped (NFD + mark removal) leaves a word the vocabulary has, one that is not makes it [UNK];
 * a CJK ideograph is a word of its own (one [UNK] each), a run of unsplit ideographs is one [UNK]; a zero-width or
 * control character is dropped, not a word boundary; a whitespace character is a boundary, a symbol is not.
 */

export const CORPUS_CATEGORIES = [
  { id: 'ascii', label: 'plain ASCII', exercises: 'words, case, digits and ASCII punctuation' },
  { id: 'accents-nfc', label: 'accents (NFC)', exercises: 'precomposed accented letters: decomposed, the accent stripped, the word kept' },
  { id: 'accents-nfd', label: 'accents (NFD)', exercises: 'the same words decomposed: base letter plus combining mark, the mark stripped' },
  { id: 'cjk', label: 'CJK', exercises: 'ideographs (BMP, compatibility, astral extension B) split into one word each; kana and Hangul are not' },
  { id: 'emoji', label: 'emoji and astral', exercises: 'astral code points, skin-tone modifiers, ZWJ sequences, flags, keycaps, mathematical letters' },
  { id: 'combining', label: 'combining and zero-width', exercises: 'stacked combining marks, enclosing marks, zero-width and format characters inside words' },
  { id: 'rtl', label: 'right-to-left', exercises: 'Arabic and Hebrew with vowel marks, bidi controls, Arabic-Indic digits, mixed with Latin' },
  { id: 'punctuation', label: 'punctuation only', exercises: 'ASCII and Unicode punctuation: each mark a word of its own; symbols above U+007F are not split' },
  { id: 'whitespace', label: 'whitespace-heavy', exercises: 'runs of tabs, newlines, no-break, ideographic, line and paragraph separators around words' },
  { id: 'long-words', label: 'very long words', exercises: 'words of dozens to hundreds of characters, matched piece by piece' },
  { id: 'near-limit', label: 'near the context limit', exercises: 'texts of context - 1 and context - 2 tokens, [CLS] and [SEP] included' },
  { id: 'padding', label: 'mixed-length batch', exercises: 'short texts batched with a near-limit one: padding must not reach attention or pooling' },
  { id: 'repeated', label: 'one text repeated', exercises: 'the same text several times in one batch' },
] as const;

export type CorpusCategory = (typeof CORPUS_CATEGORIES)[number]['id'];

export const CORPUS_CATEGORY_IDS: readonly CorpusCategory[] = CORPUS_CATEGORIES.map((c) => c.id);

export function categoryLabel(id: string): string {
  return CORPUS_CATEGORIES.find((c) => c.id === id)?.label ?? id;
}

/** The metric one category's lowest cosine is reported under. */
export function categoryMetric(id: string): string {
  return `correctness.corpus.${id}.minCosine`;
}
