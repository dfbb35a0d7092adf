/**
 * The hard-text corpus: deterministic from the seed, every category drawn, texts the model can embed (tokens > 0,
 * under the context), near-limit texts exactly context - 1 and - 2 tokens by the model's own tokenizer, and the
 * oracle's tokenizer agreeing with llama.cpp's (node-llama-cpp in a child) on every text, ids and vectors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHardCorpus, corpusTexts, type CorpusOptions } from '../../harness/corpus/build-corpus.ts';
import { CORPUS_CATEGORY_IDS } from '../../harness/corpus/categories.ts';
import { fitTokens } from '../../harness/corpus/fit-tokens.ts';
import { generateModel } from '../../harness/gguf/generator.ts';
import { loadOracle, type Oracle } from '../../harness/gguf/oracle.ts';
import { verifyModel } from '../../harness/gguf/verify.ts';

let dir = '';
let model = '';
let oracle: Oracle;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-corpus-'));
  model = path.join(dir, 'tiny.gguf');
  await generateModel({ preset: 'tiny', seed: 1, out: model });
  oracle = await loadOracle(model);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const opts = (seed: number, more: Partial<CorpusOptions> = {}): CorpusOptions => ({
  seed, perCategory: 4, nearLimit: 1, paddingBatches: 2, repeat: 4, encode: (t) => oracle.encode(t), contextSize: oracle.contextSize, maxBatch: 10, ...more,
});

describe('hard-text corpus', () => {
  it('is the same for the same seed and another for another seed', () => {
    const a = corpusTexts(buildHardCorpus(opts(1))).map((t) => t.text);
    const b = corpusTexts(buildHardCorpus(opts(1))).map((t) => t.text);
    const c = corpusTexts(buildHardCorpus(opts(2))).map((t) => t.text);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('draws every category, every text with tokens and under the context', () => {
    const corpus = buildHardCorpus(opts(3));
    const texts = corpusTexts(corpus);
    expect(new Set(texts.map((t) => t.category))).toEqual(new Set(CORPUS_CATEGORY_IDS));
    for (const t of texts) {
      expect(t.tokens, t.text).toBe(oracle.encode(t.text).length);
      expect(t.tokens).toBeGreaterThan(0);
      expect(t.tokens).toBeLessThan(oracle.contextSize);
      if (t.category !== 'near-limit') expect(t.tokens, `${t.category} ${JSON.stringify(t.text)}`).toBeLessThanOrEqual(oracle.contextSize / 2);
    }
    expect(corpus.notes).toEqual([]);
  });

  it('holds texts of exactly context - 1 and context - 2 tokens, specials included; padding batches hold a short text beside a context - 2 one', () => {
    const corpus = buildHardCorpus(opts(4));
    const near = corpusTexts(corpus).filter((t) => t.category === 'near-limit').map((t) => t.tokens);
    expect(near).toContain(oracle.contextSize - 1);
    expect(near).toContain(oracle.contextSize - 2);
    const padding = corpus.requests.filter((r) => r.texts.some((t) => t.category === 'padding'));
    expect(padding).toHaveLength(2);
    for (const r of padding) {
      expect(r.kind).toBe('batch');
      expect(Math.max(...r.texts.map((t) => t.tokens))).toBe(oracle.contextSize - 2);
      expect(Math.min(...r.texts.map((t) => t.tokens))).toBeLessThan(oracle.contextSize / 8); // a one-word text
    }
    const repeated = corpus.requests.find((r) => r.texts[0]?.category === 'repeated')!;
    expect(repeated.texts).toHaveLength(4);
    expect(new Set(repeated.texts.map((t) => t.text)).size).toBe(1);
  });

  it('keeps batches within the adapter\'s batch limit and its context', () => {
    const corpus = buildHardCorpus(opts(5, { maxBatch: 2, contextSize: 64 }));
    for (const r of corpus.requests) expect(r.texts.length).toBeLessThanOrEqual(2);
    const near = corpusTexts(corpus).filter((t) => t.category === 'near-limit').map((t) => t.tokens);
    expect(near).toEqual(expect.arrayContaining([63, 62]));
  });

  it('writes accents precomposed in accents-nfc and decomposed in accents-nfd', () => {
    const texts = corpusTexts(buildHardCorpus(opts(6)));
    const nfc = texts.filter((t) => t.category === 'accents-nfc');
    const nfd = texts.filter((t) => t.category === 'accents-nfd');
    for (const t of nfc) {
      expect(t.text).toBe(t.text.normalize('NFC'));
      expect(t.text).toMatch(/[^\x00-\x7f]/);
    }
    for (const t of nfd) {
      expect(t.text).toBe(t.text.normalize('NFD'));
      expect(t.text).toMatch(/\p{M}/u);
    }
  });

  it('fitTokens reaches an exact count with fillers, and says when it cannot', () => {
    const encode = (t: string) => oracle.encode(t);
    const words = Array.from({ length: 80 }, (_, i) => ['alpha', 'model', 'the', 'zq'][i % 4]!);
    for (const target of [5, 17, 40]) expect(fitTokens(encode, target, words)).toMatchObject({ tokens: target, exact: true });
    // Two tokens ([CLS] [SEP]) are the floor of a non-empty text: one token is out of reach.
    expect(fitTokens(encode, 1, words)).toMatchObject({ exact: false });
  });
});

describe('the oracle tokenizes the corpus as llama.cpp does', { timeout: 180_000 }, () => {
  it.each([1, 2, 3])('seed %i: same token ids and vectors as node-llama-cpp on every text', async (seed) => {
    const texts = [...new Set(corpusTexts(buildHardCorpus(opts(seed))).map((t) => t.text))];
    const r = await verifyModel(model, { texts });
    expect(r.probeOutcome).toBe('embedded');
    const bad = r.perText.filter((p) => !p.tokensMatch || !(p.cosine >= 0.9999)).map((p) => `${JSON.stringify(p.text)} ${p.cosine} ${p.oracleTokens.join(',')} | ${p.llamaTokens?.join(',')}`);
    expect(bad).toEqual([]);
    expect(r.pass).toBe(true);
  });
});

describe('the corpus is independent of the architecture', { timeout: 180_000 }, () => {
  it.each(['qwen3', 'nomic-bert'] as const)('%s: near-limit texts fitted by its own tokenizer, the oracle agreeing with node-llama-cpp on every text', async (arch) => {
    const file = path.join(dir, `${arch}.gguf`);
    await generateModel({ preset: 'tiny', arch, seed: 1, out: file });
    const o = await loadOracle(file);
    const corpus = buildHardCorpus({ ...opts(1), encode: (t) => o.encode(t), contextSize: o.contextSize });
    expect(corpus.notes).toEqual([]);
    const near = corpusTexts(corpus).filter((t) => t.category === 'near-limit').map((t) => t.tokens);
    expect(near).toEqual(expect.arrayContaining([o.contextSize - 1, o.contextSize - 2]));
    const r = await verifyModel(file, { texts: [...new Set(corpusTexts(corpus).map((t) => t.text))] });
    expect(r.tokenMismatches).toBe(0);
    expect(r.pass).toBe(true);
  });
});
