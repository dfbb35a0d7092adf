/**
 * The oracle on the generator's other architectures, against node-llama-cpp: nomic-bert (rotary, SwiGLU, fused
 * qkv), qwen3 (causal GQA decoder, q/k norms, byte-level BPE, last-token pooling), and bert with CLS pooling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateModel } from '../../harness/gguf/generator.ts';
import { verifyModel } from '../../harness/gguf/verify.ts';
import { loadOracle } from '../../harness/gguf/oracle.ts';
import { cosine, ropeNeox } from '../../harness/gguf/oracle-math.ts';
import { BpeTokenizer, preTokenizeQwen2 } from '../../harness/gguf/tokenizer-bpe.ts';
import { byteEncode } from '../../harness/gguf/vocab-bpe.ts';

describe('qwen2 pre-tokenizer and BPE (pure)', () => {
  it('splits contractions, letter runs with one leading non-letter, single digits, punctuation runs, whitespace', () => {
    expect(preTokenizeQwen2("Hello world's 123  \n\n x!!?")).toEqual(['Hello', ' world', "'s", ' ', '1', '2', '3', '  \n\n', ' x', '!!?']);
    expect(preTokenizeQwen2('a   b')).toEqual(['a', '  ', ' b']);
    expect(preTokenizeQwen2("DON'T")).toEqual(['DON', "'T"]);
    expect(preTokenizeQwen2('x\u0085\u0085y')).toEqual(['x', '\u0085', '\u0085y']); // U+0085 is White_Space for llama.cpp, not for JS's \s
  });

  it('merges the lowest-ranked pair first, leftmost on a tie', () => {
    const tokens = ['a', 'b', 'c', 'ab', 'bc', 'abc', '<|endoftext|>'];
    const tok = new BpeTokenizer({ tokens, merges: ['b c', 'a b', 'a bc'], bosId: 6, eosId: 6, addBos: false, addEos: true });
    expect(tok.tokenize('abc')).toEqual([5]); // b c first (rank 0), then a bc
    expect(tok.tokenize('abab')).toEqual([3, 3]);
    expect(tok.encode('abc')).toEqual([5, 6]);
    expect(tok.encode('')).toEqual([]);
    expect(byteEncode('é')).toBe('Ã©');
  });
});

describe('rope (pure)', () => {
  it('position 0 is the identity; NeoX pairs dimension i with i + d/2 and keeps the norm', () => {
    const x = Float64Array.from([1, 2, 3, 4, 1, 2, 3, 4]);
    const y = x.slice();
    ropeNeox(y, 2, 1, 4, 10000);
    expect(Array.from(y.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(y[4]).toBeCloseTo(1 * Math.cos(1) - 3 * Math.sin(1), 12);
    expect(y[6]).toBeCloseTo(1 * Math.sin(1) + 3 * Math.cos(1), 12);
    expect(Math.hypot(...y.subarray(4))).toBeCloseTo(Math.hypot(1, 2, 3, 4), 12);
  });
});

describe('oracle against node-llama-cpp per architecture (tiny, f32)', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-oracle-arch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['nomic-bert', undefined],
    ['qwen3', undefined],
    ['bert', 'cls'],
  ] as const)('%s (%s pooling): every corpus text within 0.9999, same tokens', async (arch, pooling) => {
    const out = path.join(dir, `${arch}-${pooling ?? 'default'}.gguf`);
    await generateModel({ arch, pooling, seed: 7, out });
    const r = await verifyModel(out, { timeoutMs: 90_000 });
    expect(r.probeOutcome, r.probeMessage).toBe('embedded');
    expect(r.texts).toBeGreaterThanOrEqual(50);
    expect(r.tokenMismatches).toBe(0);
    expect(r.lengthMismatches).toBe(0);
    expect(r.minCosine).toBeGreaterThanOrEqual(0.9999);
    expect(r.pass).toBe(true);
  });

  it('the pooling and the causal mask matter: last token vs mean, qwen3 is not bidirectional', async () => {
    const out = path.join(dir, 'qwen3-check.gguf');
    await generateModel({ arch: 'qwen3', seed: 7, out });
    const o = await loadOracle(out);
    expect(o.hparams).toMatchObject({ arch: 'qwen3', pooling: 'last', causal: true, headsKv: 2, headDim: 32 });
    const text = 'the model crashed while testing memory';
    const last = o.embed(text);
    // a causal model's last-token state changes when a token is appended; the first token's prefix state would not
    expect(cosine(last, o.embed(`${text} again`))).toBeLessThan(0.999);
    expect(o.encode(text).at(-1)).toBe(o.encode('x').at(-1)); // <|endoftext|> appended
  });
});
