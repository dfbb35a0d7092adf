/**
 * WPM (BERT WordPiece) tokenizer as llama.cpp runs it for `tokenizer.ggml.model = "bert"`, re-implemented from
 * the behaviour of llama.cpp's llm_tokenizer_wpm (the copy node-llama-cpp 3.22.1 ships), not from its code:
 *
 * - preprocessing: every code point is mapped to the first code point of its NFD decomposition (not a full NFD:
 *   "é" becomes "e", a Hangul syllable its leading jamo); whitespace ends a word; NUL, U+FFFD and control
 *   characters (Cc, Cf, Co, Cs) are dropped; combining marks (\p{M}) are dropped; the code point is lower-cased
 *   with the simple (one code point) mapping; punctuation (\p{P}), ASCII symbols (\p{S} below U+007F) and CJK
 *   ideographs become one-character words. NFD and mark stripping follow `strip_accents`, lower-casing
 *   `lowercase` (both default on, keys tokenizer.ggml.normalizer.*).
 * - each word gets the U+2581 prefix and is matched greedily, longest first, byte-wise against the vocabulary;
 *   if any position cannot be matched the whole word becomes [UNK].
 * - `tokenize()` equals node-llama-cpp's `model.tokenize(text)` (no special tokens, special text not parsed);
 *   `encode()` equals what `LlamaEmbeddingContext.getEmbeddingFor` evaluates: [CLS] prepended unless the first
 *   token already is it, [SEP] appended unless the last one is; an input without tokens stays empty.
 *
 * Unicode tables come from the JS engine (ICU), llama.cpp's from Python's unicodedata: code points added in a
 * Unicode version only one of them knows can be classified differently. User-defined tokens (token type 4),
 * which llama.cpp splits out before WPM runs, are not supported: `fromMetadata` rejects them.
 */
import type { GgufValue } from './types.ts';
import { GauntletError } from '../util/errors.ts';

/** What the oracle needs of a tokenizer (WPM here, byte-level BPE in tokenizer-bpe.ts). */
export interface TextTokenizer {
  /** Token ids of `text` without special tokens: node-llama-cpp's `model.tokenize(text)`. */
  tokenize(text: string): number[];
  /** The ids node-llama-cpp's embedding context evaluates for `text` ([] when the text has no tokens). */
  encode(text: string): number[];
}

export interface WpmVocab {
  tokens: string[];
  bosId: number;
  sepId: number;
  unkId: number;
  lowercase: boolean;
  stripAccents: boolean;
}

const WORD_START = '\u2581';
const TOKEN_TYPE_USER_DEFINED = 4;

/** Unicode White_Space, the set llama.cpp's tables list explicitly. */
const WHITESPACE = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
]);
const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const MARK = /^\p{M}$/u;
const PUNCTUATION = /^\p{P}$/u;
const SYMBOL = /^\p{S}$/u;

/** The CJK ideograph ranges llama.cpp (like Hugging Face's BERT) makes one-character words of. */
export function isChineseChar(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x20000 && c <= 0x2a6df) ||
    (c >= 0x2a700 && c <= 0x2b73f) ||
    (c >= 0x2b740 && c <= 0x2b81f) ||
    (c >= 0x2b920 && c <= 0x2ceaf) || // llama.cpp keeps the HF tokenizers' start (0x2B920, not 0x2B820)
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x2f800 && c <= 0x2fa1f)
  );
}

/** First code point of the canonical decomposition (llama.cpp's one-to-one "NFD" table). */
function nfdFirst(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c;
  return String.fromCodePoint(c).normalize('NFD').codePointAt(0)!;
}

/** Simple (single code point) lower-case mapping, as UnicodeData.txt field 13. */
function toLowerSimple(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c;
  if (c === 0x130) return 0x69; // the one unconditional multi-code-point full mapping; simple maps to "i"
  const lower = String.fromCodePoint(c).toLowerCase();
  return lower.codePointAt(0)!;
}

/** Splits text into words exactly as llama.cpp's WPM preprocessing does. */
export function preprocessWpm(text: string, opts: { lowercase: boolean; stripAccents: boolean }): string[] {
  const words: string[] = [];
  let cur = '';
  const finish = (): void => {
    if (cur.length > 0) words.push(cur);
    cur = '';
  };
  for (const ch of text) {
    let c = ch.codePointAt(0)!;
    // A lone surrogate cannot be encoded in UTF-8; Node writes U+FFFD for it, which llama.cpp drops.
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (opts.stripAccents) c = nfdFirst(c);
    if (WHITESPACE.has(c)) {
      finish();
      continue;
    }
    const s = String.fromCodePoint(c);
    if (c === 0 || c === 0xfffd || CONTROL.test(s)) continue;
    if (opts.stripAccents && MARK.test(s)) continue;
    const out = String.fromCodePoint(opts.lowercase ? toLowerSimple(c) : c);
    if (PUNCTUATION.test(s) || (c < 0x7f && SYMBOL.test(s)) || isChineseChar(c)) {
      finish();
      words.push(out);
    } else {
      cur += out;
    }
  }
  finish();
  return words;
}

/** A token string as the byte string of its UTF-8 form, so that matching is byte-wise like llama.cpp's. */
function bytesKey(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export class WpmTokenizer implements TextTokenizer {
  readonly vocab: WpmVocab;
  private readonly byBytes = new Map<string, number>();
  private readonly maxTokenBytes: number;

  constructor(vocab: WpmVocab) {
    this.vocab = vocab;
    let max = 0;
    vocab.tokens.forEach((t, id) => {
      const key = bytesKey(t);
      if (!this.byBytes.has(key)) this.byBytes.set(key, id);
      max = Math.max(max, key.length);
    });
    this.maxTokenBytes = max;
  }

  /** Token ids of `text` without [CLS]/[SEP]: node-llama-cpp's `model.tokenize(text)`. */
  tokenize(text: string): number[] {
    const out: number[] = [];
    for (const word of preprocessWpm(text, this.vocab)) this.matchWord(word, out);
    return out;
  }

  /** The ids node-llama-cpp's embedding context evaluates for `text` ([] when the text has no tokens). */
  encode(text: string): number[] {
    const ids = this.tokenize(text);
    if (ids.length === 0) return ids;
    if (ids[0] !== this.vocab.bosId) ids.unshift(this.vocab.bosId);
    if (ids[ids.length - 1] !== this.vocab.sepId) ids.push(this.vocab.sepId);
    return ids;
  }

  private matchWord(word: string, out: number[]): void {
    const w = bytesKey(WORD_START + word);
    const n = w.length;
    const start = out.length;
    for (let i = 0; i < n; ) {
      let matched = -1;
      for (let j = Math.min(n, i + this.maxTokenBytes + 1); j > i; j--) {
        const id = this.byBytes.get(w.slice(i, j));
        if (id !== undefined) {
          out.push(id);
          matched = j;
          break;
        }
      }
      if (matched < 0) {
        out.length = start;
        break;
      }
      i = matched;
    }
    if (out.length === start) out.push(this.vocab.unkId);
  }

  /** Builds the tokenizer from GGUF metadata, with llama.cpp's defaults for missing keys. */
  static fromMetadata(meta: Map<string, GgufValue>): WpmTokenizer {
    return new WpmTokenizer(wpmVocabFromMetadata(meta));
  }
}

function metaInt(meta: Map<string, GgufValue>, key: string): number | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  throw new GauntletError('GAUNTLET_MODEL_INVALID', `${key}: expected an integer, got ${JSON.stringify(String(v))}`);
}

function metaBool(meta: Map<string, GgufValue>, key: string): boolean | undefined {
  const v = meta.get(key);
  return v === undefined ? undefined : Boolean(v);
}

/** Reads the WPM vocabulary and its special ids (llama.cpp BERT defaults 101/102/100 when absent or out of range). */
export function wpmVocabFromMetadata(meta: Map<string, GgufValue>): WpmVocab {
  const model = meta.get('tokenizer.ggml.model');
  if (model !== 'bert') {
    throw new GauntletError(
      'GAUNTLET_MODEL_INVALID',
      `tokenizer.ggml.model: expected "bert" (WPM), got ${JSON.stringify(model)}; only BERT vocabularies are supported`,
    );
  }
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((t) => typeof t !== 'string')) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', 'tokenizer.ggml.tokens: expected a non-empty array of strings');
  }
  const types = meta.get('tokenizer.ggml.token_type');
  if (Array.isArray(types) && types.some((t) => Number(t) === TOKEN_TYPE_USER_DEFINED)) {
    throw new GauntletError(
      'GAUNTLET_MODEL_INVALID',
      'tokenizer.ggml.token_type: user-defined tokens (type 4) are not supported by the WPM re-implementation',
    );
  }
  const n = tokens.length;
  const special = (key: string, dflt: number): number => {
    const fallback = dflt < n ? dflt : -1;
    const v = metaInt(meta, key);
    return v !== undefined && v >= 0 && v < n ? v : fallback;
  };
  const lowercase = metaBool(meta, 'tokenizer.ggml.normalizer.lowercase') ?? true;
  const stripAccents = metaBool(meta, 'tokenizer.ggml.normalizer.strip_accents') ?? lowercase;
  return {
    tokens: tokens as string[],
    bosId: special('tokenizer.ggml.bos_token_id', 101),
    sepId: special('tokenizer.ggml.seperator_token_id', 102),
    unkId: special('tokenizer.ggml.unknown_token_id', 100),
    lowercase,
    stripAccents,
  };
}
