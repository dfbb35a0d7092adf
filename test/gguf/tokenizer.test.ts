import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { preprocessWpm, WpmTokenizer } from '../../harness/gguf/tokenizer.ts';
import { readGguf } from '../../harness/gguf/reader.ts';
import { CORPUS, longText } from '../../harness/gguf/corpus.ts';
import { multilingualVocab, writeTestModel } from '../../harness/gguf/oracle-test-models.ts';
import { probeWithLlama } from '../../harness/gguf/llama-probe.ts';

const BERT = { lowercase: true, stripAccents: true };

describe('preprocessWpm (pure)', () => {
  it.each([
    ['Héllo, WORLD!', ['hello', ',', 'world', '!']],
    ['a+b=c', ['a', '+', 'b', '=', 'c']],
    ['中文ok', ['中', '文', 'ok']],
    ['tab\there\nnew', ['tab', 'here', 'new']],
    ['zero\u200bwidth', ['zerowidth']], // Cf dropped without ending the word
    ['İ ẞ Σ', ['i', 'ß', 'σ']], // simple one-code-point lower-casing
    ['e\u0301', ['e']], // combining mark stripped
    ['€5', ['€5']], // a non-ASCII symbol does not split a word
    ['', []],
    ['   ', []],
  ])('%j -> %j', (text, words) => {
    expect(preprocessWpm(text, BERT)).toEqual(words);
  });

  it('keeps case and accents when the normalizer is off', () => {
    expect(preprocessWpm('Héllo', { lowercase: false, stripAccents: false })).toEqual(['Héllo']);
  });
});

describe('WpmTokenizer (pure)', () => {
  const tok = new WpmTokenizer({
    tokens: ['[UNK]', '[CLS]', '[SEP]', '\u2581un', '\u2581unbe', 'lie', 'vable', 'v', 'able', '\u2581!'],
    bosId: 1,
    sepId: 2,
    unkId: 0,
    lowercase: true,
    stripAccents: true,
  });
  it('matches greedily, longest piece first', () => {
    expect(tok.tokenize('Unbelievable!')).toEqual([4, 5, 6, 9]);
  });
  it('turns a whole word into [UNK] when one position cannot be matched', () => {
    expect(tok.tokenize('unbelievablex !')).toEqual([0, 9]);
  });
  it('wraps in [CLS] ... [SEP] for embedding, and leaves a text without tokens empty', () => {
    expect(tok.encode('un')).toEqual([1, 3, 2]);
    expect(tok.encode(' \u200b ')).toEqual([]);
  });
});

describe('WpmTokenizer equals node-llama-cpp model.tokenize', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-tok-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['ascii vocabulary', undefined],
    ['multilingual vocabulary', multilingualVocab()],
  ])('on every corpus text (%s)', async (_name, tokens) => {
    const file = await writeTestModel(path.join(dir, `m-${tokens ? 'ml' : 'ascii'}.gguf`), { tokens });
    const tok = WpmTokenizer.fromMetadata((await readGguf(file)).metadata);
    const texts = [...CORPUS, longText((t) => tok.encode(t), 127)];
    const probe = await probeWithLlama(file, texts, { tokenize: true, timeoutMs: 60_000 });
    expect(probe.outcome, probe.message).toBe('embedded');
    expect(probe.tokens).toHaveLength(texts.length);
    const mismatches = texts
      .map((t, i) => ({ text: t, ours: tok.tokenize(t), llama: probe.tokens![i] }))
      .filter((m) => JSON.stringify(m.ours) !== JSON.stringify(m.llama));
    expect(mismatches).toEqual([]);
    // non-trivial: real pieces matched, and some words fell back to [UNK]
    const all = texts.flatMap((t) => tok.tokenize(t));
    expect(new Set(all).size).toBeGreaterThan(50);
    expect(all).toContain(tok.vocab.unkId);
    // the embedding vectors agree in length with encode(): empty exactly where encode() is empty
    texts.forEach((t, i) => expect(probe.vectors![i]!.length === 0).toBe(tok.encode(t).length === 0));
  });
});
