/**
 * gauntlet's dequantiser and quantiser against ggml's own: test/fixtures/ggml-quants-probe.c is compiled against the
 * libggml-base.so node-llama-cpp ships (the code llama.cpp runs when it reads these blocks), and every comparison is
 * bit for bit. Needs gcc; without it the ggml half is skipped (and says so), the round trips still run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dequantize, dequantizeInto } from '../../harness/gguf/dequant.ts';
import { floatToHalf } from '../../harness/gguf/ggml-types.ts';
import { Rng } from '../../harness/gguf/prng.ts';
import { QUANT_BLOCK, quantize } from '../../harness/gguf/quantize.ts';
import { GgmlType } from '../../harness/gguf/types.ts';

const LIB = path.resolve('node_modules/@node-llama-cpp/linux-x64/bins/linux-x64');
const SRC = path.resolve('test/fixtures/ggml-quants-probe.c');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-dequant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function buildProbe(): string | undefined {
  if (!existsSync(path.join(LIB, 'libggml-base.so'))) return undefined;
  const exe = path.join(dir, 'probe');
  const r = spawnSync('gcc', ['-O1', SRC, '-o', exe, `-L${LIB}`, '-l:libggml-base.so', `-Wl,-rpath,${LIB}`], { encoding: 'utf8' });
  return r.status === 0 ? exe : undefined;
}
const probe = buildProbe();
if (!probe) console.warn('dequant.test: gcc or node-llama-cpp\'s libggml-base.so missing; the comparisons with ggml are skipped');

const NAMES: Record<number, string> = {
  [GgmlType.Q8_0]: 'q8_0', [GgmlType.Q4_0]: 'q4_0', [GgmlType.Q4_K]: 'q4_k', [GgmlType.Q5_K]: 'q5_k', [GgmlType.Q6_K]: 'q6_k',
};
const TYPES = Object.keys(NAMES).map(Number) as GgmlType[];

function runProbe(mode: 'dq' | 'q' | 'h', type: string, n: number, input: Uint8Array): Buffer {
  const r = spawnSync(probe!, [mode, type, String(n)], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`probe ${mode} ${type}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const ggmlDequant = (type: GgmlType, blocks: Uint8Array, n: number): Float32Array => {
  const out = runProbe('dq', NAMES[type]!, n, blocks);
  return new Float32Array(out.buffer, out.byteOffset, n);
};
const ggmlQuant = (type: GgmlType, v: Float32Array): Uint8Array => runProbe('q', NAMES[type]!, v.length, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
const bits = (v: Float32Array): Uint32Array => new Uint32Array(v.buffer, v.byteOffset, v.length);

/** Values with the shapes real weights take: small normals, wide ranges, one-signed blocks, zeros, outliers, tiny values. */
function weights(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = new Float32Array(n);
  rng.fillBell(v, 0, 0.02);
  for (let b = 0; b < n / 256; b++) {
    const s = v.subarray(b * 256, (b + 1) * 256);
    switch (b % 8) {
      case 1: for (let i = 0; i < s.length; i++) s[i] = s[i]! * 300; break; // wide
      case 2: for (let i = 0; i < s.length; i++) s[i] = Math.abs(s[i]!) + 0.01; break; // all positive
      case 3: for (let i = 0; i < s.length; i++) s[i] = -Math.abs(s[i]!) - 0.5; break; // all negative, offset
      case 4: s.fill(0, 0, 64); break; // zero sub-blocks
      case 5: s[17] = 3; s[200] = -5; break; // outliers
      case 6: for (let i = 0; i < s.length; i++) s[i] = s[i]! * 1e-4; break; // scales near half's subnormals
      default: break;
    }
  }
  return v;
}

/** Random bytes as blocks, every FP16 scale field replaced by a random finite half: all bit patterns of the quants. */
function randomBlocks(type: GgmlType, blocks: number, seed: number): Uint8Array {
  const [, bytes] = QUANT_BLOCK[type]!;
  const rng = new Rng(seed);
  const b = new Uint8Array(blocks * bytes);
  for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
  const halves = type === GgmlType.Q6_K ? [208] : type === GgmlType.Q4_K || type === GgmlType.Q5_K ? [0, 2] : [0];
  for (let k = 0; k < blocks; k++) {
    for (const h of halves) {
      const v = floatToHalf((rng.int(2000) - 1000) / 4096);
      b[k * bytes + h] = v & 0xff;
      b[k * bytes + h + 1] = v >> 8;
    }
  }
  return b;
}

function rmse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / a.length);
}

describe('quantize -> dequantize round trip', () => {
  it.each(TYPES.map((t) => [NAMES[t]!, t] as const))('%s keeps normal weights close (error well under a quantisation step)', (_name, type) => {
    const v = weights(256 * 16, 5);
    const back = dequantize(type, quantize(type, v));
    expect(back.length).toBe(v.length);
    // relative error on the plain N(0, 0.02) blocks: 8-bit ~0.5 %, 6-bit ~2 %, 5-bit ~4 %, 4-bit ~8-10 %
    const bounds: Record<number, number> = { [GgmlType.Q8_0]: 0.01, [GgmlType.Q6_K]: 0.04, [GgmlType.Q5_K]: 0.07, [GgmlType.Q4_K]: 0.14, [GgmlType.Q4_0]: 0.14 };
    const bound = bounds[type]!;
    const plain = v.subarray(0, 256);
    const err = rmse(plain, back.subarray(0, 256)) / rmse(plain, new Float32Array(256));
    expect(err).toBeLessThan(bound);
    expect(err).toBeGreaterThan(0);
  });

  it('names the type it cannot read and refuses partial blocks', () => {
    expect(() => dequantizeInto(GgmlType.Q3_K, new Uint8Array(110), new Float32Array(256), 0)).toThrow(/Q3_K cannot be dequantised by gauntlet \(it reads F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K\)/);
    expect(() => dequantize(GgmlType.Q4_K, new Uint8Array(100))).toThrow(/not a whole number of 144-byte blocks/);
    expect(() => quantize(GgmlType.Q6_K, new Float32Array(100))).toThrow(/not a whole number of 256-element blocks/);
  });
});

describe.skipIf(!probe)('against ggml (node-llama-cpp\'s libggml-base.so)', () => {
  it.each(TYPES.map((t) => [NAMES[t]!, t] as const))('%s: random blocks dequantise bit-identically to dequantize_row_*', (_name, type) => {
    const [elems] = QUANT_BLOCK[type]!;
    const blocks = randomBlocks(type, 64, 99 + type);
    const n = (blocks.length / QUANT_BLOCK[type]![1]) * elems;
    expect(bits(dequantize(type, blocks))).toEqual(bits(ggmlDequant(type, blocks, n)));
  });

  it.each(TYPES.map((t) => [NAMES[t]!, t] as const))('%s: ggml\'s own quantised blocks and gauntlet\'s dequantise bit-identically', (_name, type) => {
    const v = weights(256 * 16, 17);
    const theirs = ggmlQuant(type, v);
    const ours = quantize(type, v);
    expect(ours.length).toBe(theirs.length);
    expect(bits(dequantize(type, theirs))).toEqual(bits(ggmlDequant(type, theirs, v.length)));
    expect(bits(dequantize(type, ours))).toEqual(bits(ggmlDequant(type, ours, v.length)));
  });

  it.each([GgmlType.Q8_0, GgmlType.Q4_0].map((t) => [NAMES[t]!, t] as const))('%s: gauntlet\'s quantiser writes the bytes of quantize_row_*_ref', (_name, type) => {
    const v = weights(256 * 16, 23);
    expect(Buffer.from(quantize(type, v)).equals(Buffer.from(ggmlQuant(type, v)))).toBe(true);
  });

  it.each([GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K].map((t) => [NAMES[t]!, t] as const))('%s: gauntlet\'s simpler quantiser errs at most a little more than ggml\'s reference', (_name, type) => {
    const v = weights(256 * 32, 29);
    const ours = rmse(v, dequantize(type, quantize(type, v)));
    const theirs = rmse(v, dequantize(type, ggmlQuant(type, v)));
    expect(ours).toBeGreaterThan(0);
    expect(ours / theirs).toBeLessThan(1.6);
  });

  it('FP32 -> FP16 rounds as ggml_fp32_to_fp16_row does (normals, subnormals, ties, overflow)', () => {
    const rng = new Rng(31);
    const v = new Float32Array(20000);
    for (let i = 0; i < v.length; i++) v[i] = (rng.int(2) ? 1 : -1) * 2 ** (rng.int(44) - 30) * (1 + rng.int(1 << 20) / (1 << 20));
    v.set([0, -0, 65504, 65520, 1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11, 1 + 3 * 2 ** -11], 0);
    const out = runProbe('h', '-', v.length, new Uint8Array(v.buffer));
    const theirs = new Uint16Array(out.buffer, out.byteOffset, v.length);
    expect(Array.from(v, floatToHalf)).toEqual(Array.from(theirs));
  });
});
