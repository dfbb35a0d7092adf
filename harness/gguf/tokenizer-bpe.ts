/**
 * Byte-level BPE tokenizer as llama.cpp runs it for `tokenizer.ggml.model = "gpt2"` with `tokenizer.ggml.pre =
 * "qwen2"` (Qwen2, Qwen3, Qwen3-Embedding), re-implemented from the behaviour described here, not from its code:
 *
 * - pre-tokenization splits the text with Qwen2's pattern (tokenizer.json's, which llama.cpp runs as a custom
 *   splitter): `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|
 *   \s+(?!\S)|\s+`, with \s the Unicode White_Space set llama.cpp's tables list (not JS's \s: U+0085 in, U+FEFF
 *   out); digits are split one by one (llama3's {1,3} is the one difference).
 * - each piece's UTF-8 bytes are written as GPT-2 byte characters, then merged: the adjacent pair of lowest rank in
 *   tokenizer.ggml.merges first, the leftmost on a tie, until no pair has a rank; each final piece is its token
 *   (a piece missing from the vocabulary falls back to its single-byte ASCII characters, dropping the rest, as
 *   llama.cpp does).
 * - no normalisation, no lower-casing; control tokens in the text are plain text (node-llama-cpp tokenizes
 *   without special-token parsing). `encode()` adds BOS when tokenizer.ggml.add_bos_token and EOS when
 *   add_eos_token say so, unless already there, as node-llama-cpp's embedding context does; [] stays [].
 *
 * Unicode classes come from the JS engine (ICU); llama.cpp's tables from its own unicode-data.cpp: code points a
 * Unicode version only one of them knows can be classified differently.
 */
import type { GgufValue } from './types.ts';
import { GauntletError } from '../util/errors.ts';
import { byteEncode } from './vocab-bpe.ts';
import type { TextTokenizer } from './tokenizer.ts';

const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Qwen2's pre-tokenizer pattern with llama.cpp's whitespace set. */
export const QWEN2_PATTERN = new RegExp(
  `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|[${WS}]*[\\r\\n]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  'gu',
);

/** Splits text into pre-tokens (before byte encoding) as llama.cpp's qwen2 pre-tokenizer does. */
export function preTokenizeQwen2(text: string): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(QWEN2_PATTERN)) {
    // characters no alternative matches (none in practice: \s+ and the symbol class cover the rest) stand alone
    for (const ch of text.slice(last, m.index)) out.push(ch);
    out.push(m[0]);
    last = m.index + m[0].length;
  }
  for (const ch of text.slice(last)) out.push(ch);
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

export interface BpeVocab {
  tokens: string[];
  merges: string[];
  bosId: number;
  eosId: number;
  addBos: boolean;
  addEos: boolean;
}

export class BpeTokenizer implements TextTokenizer {
  readonly vocab: BpeVocab;
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();

  constructor(vocab: BpeVocab) {
    this.vocab = vocab;
    vocab.tokens.forEach((t, id) => {
      if (!this.ids.has(t)) this.ids.set(t, id);
    });
    vocab.merges.forEach((m, rank) => {
      // llama.cpp splits a merge at the first space after its first character
      const at = m.indexOf(' ', 1);
      if (at > 0) {
        const key = `${m.slice(0, at)}\u0000${m.slice(at + 1)}`;
        if (!this.ranks.has(key)) this.ranks.set(key, rank);
      }
    });
  }

  tokenize(text: string): number[] {
    const out: number[] = [];
    // a lone surrogate reaches llama.cpp as U+FFFD (Node's UTF-8 encoding of it)
    for (const piece of preTokenizeQwen2(wellFormed(text))) this.mergePiece(byteEncode(piece), out);
    return out;
  }

  encode(text: string): number[] {
    const ids = this.tokenize(text);
    if (ids.length === 0) return ids;
    const v = this.vocab;
    if (v.addBos && ids[0] !== v.bosId) ids.unshift(v.bosId);
    if (v.addEos && ids[ids.length - 1] !== v.eosId) ids.push(v.eosId);
    return ids;
  }

  private mergePiece(word: string, out: number[]): void {
    const syms = [...word];
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.ranks.get(`${syms[i]}\u0000${syms[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      syms.splice(best, 2, syms[best]! + syms[best + 1]!);
    }
    for (const s of syms) {
      const id = this.ids.get(s);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const b of Buffer.from(s, 'utf8')) {
        const one = b < 0x80 ? this.ids.get(String.fromCharCode(b)) : undefined;
        if (one !== undefined) out.push(one);
      }
    }
  }

  static fromMetadata(meta: Map<string, GgufValue>): BpeTokenizer {
    return new BpeTokenizer(bpeVocabFromMetadata(meta));
  }
}

const SUPPORTED_PRE = ['qwen2'];

/** Reads a byte-level BPE vocabulary, its merges and its special ids; says which key it cannot support. */
export function bpeVocabFromMetadata(meta: Map<string, GgufValue>): BpeVocab {
  const model = meta.get('tokenizer.ggml.model');
  if (model !== 'gpt2') {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `tokenizer.ggml.model: expected "gpt2" (byte-level BPE), got ${JSON.stringify(model)}`);
  }
  const pre = meta.get('tokenizer.ggml.pre');
  if (typeof pre !== 'string' || !SUPPORTED_PRE.includes(pre)) {
    throw new GauntletError(
      'GAUNTLET_MODEL_INVALID',
      `tokenizer.ggml.pre: ${JSON.stringify(pre)} is not supported by the oracle's BPE tokenizer (supported: ${SUPPORTED_PRE.join(', ')})`,
    );
  }
  const tokens = meta.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((t) => typeof t !== 'string')) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', 'tokenizer.ggml.tokens: expected a non-empty array of strings');
  }
  const merges = meta.get('tokenizer.ggml.merges');
  if (!Array.isArray(merges) || merges.some((t) => typeof t !== 'string')) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', 'tokenizer.ggml.merges: expected an array of strings (a BPE vocabulary needs its merges)');
  }
  const types = meta.get('tokenizer.ggml.token_type');
  if (Array.isArray(types) && types.some((t) => Number(t) === 4)) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', 'tokenizer.ggml.token_type: user-defined tokens (type 4) are not supported by the BPE re-implementation');
  }
  const n = tokens.length;
  const id = (key: string, dflt: number): number => {
    const v = meta.get(key);
    const x = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : dflt;
    return x >= 0 && x < n ? x : -1;
  };
  const flag = (key: string, dflt: boolean): boolean => {
    const v = meta.get(key);
    return v === undefined ? dflt : Boolean(v);
  };
  const vocab: BpeVocab = {
    tokens: tokens as string[],
    merges: merges as string[],
    // llama.cpp's BPE defaults: bos and eos 11 when the keys are absent
    bosId: id('tokenizer.ggml.bos_token_id', 11),
    eosId: id('tokenizer.ggml.eos_token_id', 11),
    addBos: flag('tokenizer.ggml.add_bos_token', false),
    addEos: flag('tokenizer.ggml.add_eos_token', false),
  };
  if ((vocab.addBos && vocab.bosId < 0) || (vocab.addEos && vocab.eosId < 0)) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', 'tokenizer.ggml.add_bos_token/add_eos_token: set, but the bos/eos token id is missing or outside the vocabulary');
  }
  return vocab;
}
