import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { f16Round, geluLlama, cosine } from '../../harness/gguf/oracle-math.ts';
import { loadOracle } from '../../harness/gguf/oracle.ts';
import { verifyModel } from '../../harness/gguf/verify.ts';
import { generateModel } from '../../harness/gguf/generator.ts';

describe('oracle math (pure)', () => {
  it.each([
    [1, 1],
    [1 / 3, 0.333251953125],
    [65504, 65504],
    [65519, 65504],
    [65520, Infinity],
    [1e-8, 0],
    [-2.0009765625, -2], // tie between -2 and -2.001953125: to even
    [2 ** -24, 2 ** -24],
  ])('f16Round(%d) = %d', (x, want) => {
    expect(f16Round(x)).toBe(want);
  });

  it('GELU is the tanh form at FP16 resolution, with the |x| >= 10 shortcuts', () => {
    const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * x * (1 + 0.044715 * x * x)));
    for (const x of [-3, -1, -0.1, 0.05, 0.5, 1, 2.5, 9.9]) {
      expect(Math.abs(geluLlama(x) - tanhGelu(x))).toBeLessThan(Math.abs(tanhGelu(x)) * 2e-3 + 1e-6);
    }
    expect(geluLlama(0.5)).toBe(f16Round(geluLlama(0.5))); // an FP16 value
    expect(geluLlama(-10)).toBe(0);
    expect(geluLlama(12.3)).toBe(12.3);
  });

  it('cosine', () => {
    expect(cosine([1, 0], [1, 0])).toBe(1);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 2], [1])).toBeNaN();
  });
});

describe('oracle against node-llama-cpp (tiny models)', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-oracle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // the quantised files are gauntlet's own quantiser's, read back by node-llama-cpp: its vectors within the bound of
  // each type prove the blocks decode the same in both (a wrong scale or bit order drops the cosine far below)
  it.each([
    ['f32', 0.9999],
    ['f16', 0.9999],
    ['q8_0', 0.9995],
    ['q4_0', 0.9995],
    ['q4_k', 0.999],
    ['q5_k', 0.999],
    ['q6_k', 0.999],
  ] as const)('%s: every corpus text within cosine %d, same tokens', async (dtype, bound) => {
    const out = path.join(dir, `tiny-${dtype}.gguf`);
    await generateModel({ preset: 'tiny', seed: 7, dtype, out });
    const r = await verifyModel(out, { timeoutMs: 60_000 });
    expect(r.probeOutcome, r.probeMessage).toBe('embedded');
    expect(r.dtype).toBe(dtype);
    expect(r.bound).toBe(bound);
    expect(r.texts).toBeGreaterThanOrEqual(50);
    expect(r.tokenMismatches).toBe(0);
    expect(r.lengthMismatches).toBe(0);
    expect(r.minCosine).toBeGreaterThanOrEqual(bound);
    // far inside the bound on bert (measured 1 - cosine: 3e-8 for Q8_0/Q4_0, 1.2e-6 for the K-quants): a block
    // decoded differently by llama.cpp and gauntlet would cost orders of magnitude more
    expect(1 - r.minCosine).toBeLessThan(1e-5);
    expect(r.pass).toBe(true);
    // the context-filling text really fills the context
    const oracle = await loadOracle(out);
    expect(oracle.encode(r.perText.at(-1)!.text)).toHaveLength(oracle.contextSize - 1);
  });

  // slow (~30 s on 2 cores): the small preset, 4 layers, E 256, a 511-token text. GAUNTLET_SLOW=1 to run it.
  it.skipIf(!process.env.GAUNTLET_SLOW)('small preset f32 within cosine 0.9999', async () => {
    const out = path.join(dir, 'small-f32.gguf');
    await generateModel({ preset: 'small', seed: 7, out });
    const r = await verifyModel(out, { timeoutMs: 120_000 });
    expect(r.tokenMismatches).toBe(0);
    expect(r.minCosine).toBeGreaterThanOrEqual(0.9999);
  }, 180_000);

  it('embed: empty for a text without tokens, unit length when normalised, refused past the context', async () => {
    const out = path.join(dir, 'tiny-embed.gguf');
    await generateModel({ preset: 'tiny', seed: 11, out });
    const oracle = await loadOracle(out);
    expect(oracle.dims).toBe(64);
    expect(oracle.embed('   ')).toHaveLength(0);
    const v = oracle.embed('hello world', { normalize: true });
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    const raw = oracle.embed('hello world');
    expect(Math.hypot(...raw)).toBeGreaterThan(1.5); // mean pooling of layer-normed states is not unit length
    expect(cosine(raw, v)).toBeCloseTo(1, 6);
    expect(() => oracle.embed('the '.repeat(oracle.contextSize))).toThrow(/does not fit the context/);
  });
});
