/**
 * A byte-level BPE vocabulary in the form llama.cpp reads for `tokenizer.ggml.model = "gpt2"` (Qwen2/Qwen3 and
 * GPT-2 style models): every token is a string of GPT-2's byte-to-unicode characters (one printable character per
 * byte, a space is "Ġ", a newline "Ċ"), `tokenizer.ggml.merges` lists "left right" pairs in rank order, and the
 * control tokens come last as Qwen's do (<|endoftext|> is both end of text and padding).
 *
 * The vocabulary starts with the 256 byte tokens (so any text tokenizes), then holds the results of its merges:
 * common words and syllable words with and without a leading space, built left to right one character at a time,
 * some non-ASCII words (multi-byte characters merged from their bytes), digit and whitespace pairs, and word +
 * suffix merges whose right side is a multi-character token. Every merge's result is a token and no token string
 * appears twice (a duplicate aborts llama.cpp).
 */
import { SUFFIXES, SYLLABLES, WORDS } from './vocab.ts';

export const BPE_CONTROL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export const BPE_BASE_VOCAB_SIZE = 256 + BPE_CONTROL_TOKENS.length;

/** GPT-2's bytes_to_unicode: byte b is written as the character BYTE_CHARS[b]. */
export const BYTE_CHARS: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const chars = new Array<string>(256);
  for (const b of printable) chars[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (chars[b] === undefined) chars[b] = String.fromCodePoint(256 + n++);
  return chars;
})();

/** The byte tokens in GPT-2's id order: the printable bytes first, then the remapped ones. */
function byteTokens(): string[] {
  const order: number[] = [];
  for (let b = 0; b < 256; b++) if (BYTE_CHARS[b]!.codePointAt(0) === b) order.push(b);
  for (let b = 0; b < 256; b++) if (BYTE_CHARS[b]!.codePointAt(0) !== b) order.push(b);
  return order.map((b) => BYTE_CHARS[b]!);
}

/** A text's UTF-8 bytes as byte-level characters ("Ġhello" for " hello"). */
export function byteEncode(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += BYTE_CHARS[b];
  return out;
}

const NON_ASCII_WORDS = ['café', 'naïve', 'über', 'мир', 'привет', 'ημέρα', '世界', '日本語', 'ñ', 'ç'];

export interface BpeVocabulary {
  tokens: string[];
  merges: string[];
  eosId: number;
}

/** A vocabulary of exactly `size` tokens (size >= 2 * BPE_BASE_VOCAB_SIZE) with its merges in rank order. */
export function buildBpeVocab(size: number): BpeVocabulary {
  if (!(size >= 2 * BPE_BASE_VOCAB_SIZE)) throw new RangeError(`vocabulary size ${size} is below the minimum ${2 * BPE_BASE_VOCAB_SIZE}`);
  const budget = size - BPE_CONTROL_TOKENS.length;
  const tokens = byteTokens();
  const seen = new Set(tokens);
  const merges: string[] = [];
  const merge = (left: string, right: string): boolean => {
    if (tokens.length >= budget) return false;
    const t = left + right;
    if (seen.has(t) || !seen.has(left) || !seen.has(right)) return true;
    seen.add(t);
    tokens.push(t);
    merges.push(`${left} ${right}`);
    return true;
  };
  /** Builds `word` (byte-encoded) left to right one character at a time. */
  const addWord = (text: string): boolean => {
    const chars = [...byteEncode(text)];
    let cur = chars[0]!;
    for (const c of chars.slice(1)) {
      if (!merge(cur, c)) return false;
      cur += c;
    }
    return true;
  };
  const fixed = [
    ...WORDS.flatMap((w) => [` ${w}`, w]),
    ...SUFFIXES,
    ...NON_ASCII_WORDS.flatMap((w) => [` ${w}`, w]),
    '  ', '    ', '\n\n', ' \n', '00', '12', '19', '20', '...', ' (', ').', ', ', "'s", "'t", "'re",
  ];
  for (const w of fixed) if (!addWord(w)) break;
  for (const w of WORDS.slice(0, 12)) for (const s of SUFFIXES) merge(byteEncode(` ${w}`), s);
  const n = SYLLABLES.length;
  for (let len = 2; tokens.length < budget; len++) {
    for (let i = 0; i < n ** len && tokens.length < budget; i++) {
      let w = '';
      for (let k = 0, x = i; k < len; k++, x = Math.floor(x / n)) w += SYLLABLES[x % n];
      addWord(` ${w}`);
      addWord(w);
    }
  }
  const eosId = tokens.length;
  tokens.push(...BPE_CONTROL_TOKENS);
  return { tokens, merges, eosId };
}

/** tokenizer.ggml.token_type: the control tokens 3, everything else normal (1). */
export function bpeTokenTypes(tokens: string[]): number[] {
  const control = new Set<string>(BPE_CONTROL_TOKENS);
  return tokens.map((t) => (control.has(t) ? 3 : 1));
}
