/**
 * A WordPiece vocabulary in llama.cpp's internal form: word starts carry U+2581, continuation pieces are bare,
 * control tokens are bracketed. It tokenizes any ASCII text (single letters, digits and punctuation are all
 * present) and never holds the same string twice (a duplicate aborts llama.cpp).
 */

export const WORD_START = '\u2581';
export const CONTROL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
export const MASK_ID = 4;
/** tokenizer.ggml.token_type values (llama.cpp's llama_token_type). */
export const TOKEN_TYPE_NORMAL = 1;
export const TOKEN_TYPE_CONTROL = 3;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');
const DIGITS = '0123456789'.split('');
const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
export const WORDS = [
  'the', 'and', 'of', 'to', 'in', 'is', 'it', 'that', 'for', 'was', 'on', 'are', 'with', 'as', 'be', 'this',
  'have', 'from', 'or', 'by', 'not', 'but', 'what', 'all', 'were', 'when', 'can', 'there', 'an', 'which',
  'hello', 'world', 'model', 'file', 'data', 'test', 'text', 'process', 'memory', 'crash',
];
export const SUFFIXES = ['ing', 'ed', 'er', 'ly', 'tion', 'es', 'est', 'ment', 'ness', 'able'];
export const SYLLABLES = [
  'ba', 'be', 'bi', 'bo', 'bu', 'da', 'de', 'di', 'do', 'du', 'ka', 'ke', 'ki', 'ko', 'ku', 'la', 'le', 'li',
  'lo', 'lu', 'ma', 'me', 'mi', 'mo', 'mu', 'na', 'ne', 'ni', 'no', 'nu', 'ra', 're', 'ri', 'ro', 'ru', 'sa',
  'se', 'si', 'so', 'su', 'ta', 'te', 'ti', 'to', 'tu', 'va', 've', 'vi', 'vo', 'vu',
];

/** The fixed part every vocabulary starts with (control tokens, characters, common words and suffixes). */
export function baseVocab(): string[] {
  return [
    ...CONTROL_TOKENS,
    ...LETTERS.map((c) => WORD_START + c),
    ...DIGITS.map((c) => WORD_START + c),
    ...PUNCT.map((c) => WORD_START + c),
    ...LETTERS,
    ...DIGITS,
    ...WORDS.map((w) => WORD_START + w),
    ...SUFFIXES,
  ];
}

export const BASE_VOCAB_SIZE = baseVocab().length;

/** A vocabulary of exactly `size` distinct tokens (size >= BASE_VOCAB_SIZE), synthetic words appended in a fixed order. */
export function buildVocab(size: number): string[] {
  const tokens = baseVocab();
  if (size < tokens.length) throw new RangeError(`vocabulary size ${size} is below the minimum ${tokens.length}`);
  const seen = new Set(tokens);
  const n = SYLLABLES.length;
  // enumerate syllable strings of length 2, 3, 4, ... alternating word-start and continuation forms
  for (let len = 2; tokens.length < size; len++) {
    const total = n ** len;
    for (let i = 0; i < total && tokens.length < size; i++) {
      let w = '';
      for (let k = 0, x = i; k < len; k++, x = Math.floor(x / n)) w += SYLLABLES[x % n];
      for (const form of [WORD_START + w, w]) {
        if (tokens.length < size && !seen.has(form)) {
          seen.add(form);
          tokens.push(form);
        }
      }
    }
  }
  return tokens;
}

export function tokenTypes(tokens: string[]): number[] {
  return tokens.map((_, i) => (i < CONTROL_TOKENS.length ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL));
}
