/**
 * The GGUF's WPM vocabulary as Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json). llama.cpp's
 * form marks word starts with U+2581 and leaves continuation pieces bare; Hugging Face's WordPiece leaves word
 * starts bare and marks continuations with "##". Control tokens keep their text. Splitting is BertNormalizer +
 * BertPreTokenizer with the GGUF's lowercase / strip_accents, which for a vocabulary like the generated one (ASCII
 * pieces) gives llama.cpp's ids on the verify corpus (test/gguf/export-onnx.test.ts checks it through
 * transformers.js when that is installed). Not on every text: Hugging Face's accent stripping removes nonspacing
 * marks (Mn) only, llama.cpp's every mark (Mn, Mc, Me), so an enclosing mark (a keycap's U+20E3, U+20DD) or a spacing
 * one (Devanagari visarga) stays in its word here and makes it [UNK] (the hard-text corpus's emoji and combining
 * categories show it: docs/adapters.md). Left as Hugging Face ships BERT tokenizers, since that is what a user of
 * transformers.js runs; the difference is llama.cpp's, and the report names it.
 *
 * The special tokens are deliberately NOT "added tokens": node-llama-cpp tokenizes embedding input without parsing
 * special text, so "[CLS]" inside a text is "[", "cls", "]" there, and must be here too. The post-processor still
 * wraps every text in [CLS] ... [SEP] by id, as llama.cpp's embedding context does.
 */
import type { WpmVocab } from './tokenizer.ts';

const WORD_START = '\u2581';
const TOKEN_TYPE_CONTROL = 3;

export interface HfVocab {
  /** Hugging Face token text -> id. */
  vocab: Record<string, number>;
  /** GGUF tokens whose Hugging Face text was already taken by an earlier id (the earlier one wins, as in llama.cpp). */
  collisions: number;
}

/** "▁word" -> "word", "piece" -> "##piece", control tokens unchanged. */
export function hfVocab(tokens: string[], tokenTypes?: number[]): HfVocab {
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  let collisions = 0;
  tokens.forEach((t, id) => {
    const control = tokenTypes ? tokenTypes[id] === TOKEN_TYPE_CONTROL : /^\[[A-Z]+\]$/.test(t);
    const hf = control ? t : t.startsWith(WORD_START) ? t.slice(WORD_START.length) : `##${t}`;
    if (hf in vocab) collisions++;
    else vocab[hf] = id;
  });
  return { vocab, collisions };
}

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** special_tokens_map.json (fastembed requires it; its tokens are added as special there). */
  specialTokensMap: Record<string, string>;
  collisions: number;
}

export function tokenizerFiles(v: WpmVocab, tokenTypes: number[] | undefined, contextSize: number, padId: number): TokenizerFiles {
  const { vocab, collisions } = hfVocab(v.tokens, tokenTypes);
  const text = (id: number): string => Object.keys(vocab).find((k) => vocab[k] === id) ?? v.tokens[id] ?? '[UNK]';
  const cls = text(v.bosId);
  const sep = text(v.sepId);
  const unk = text(v.unkId);
  const pad = padId >= 0 && padId < v.tokens.length ? text(padId) : '[PAD]';
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: v.stripAccents, lowercase: v.lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(cls), seq('A', 0), special(sep)],
      pair: [special(cls), seq('A', 0), special(sep), seq('B', 1), { SpecialToken: { id: sep, type_id: 1 } }],
      special_tokens: {
        [cls]: { id: cls, ids: [v.bosId], tokens: [cls] },
        [sep]: { id: sep, ids: [v.sepId], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: '##',
      // llama.cpp has no per-word length limit; Hugging Face's default (100) would turn long words into [UNK]
      max_input_chars_per_word: 1_000_000,
      vocab,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: v.lowercase,
    strip_accents: v.stripAccents,
    tokenize_chinese_chars: true,
    model_max_length: contextSize,
    cls_token: cls,
    sep_token: sep,
    unk_token: unk,
    pad_token: pad,
    ...(v.tokens.includes('[MASK]') ? { mask_token: '[MASK]' } : {}),
    clean_up_tokenization_spaces: true,
  };
  const specialTokensMap: Record<string, string> = { cls_token: cls, sep_token: sep, unk_token: unk, pad_token: pad };
  if (v.tokens.includes('[MASK]')) specialTokensMap.mask_token = '[MASK]';
  return { tokenizerJson, tokenizerConfig, specialTokensMap, collisions };
}
