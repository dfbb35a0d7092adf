import { DTYPE_INFO, DTYPES } from '../../harness/gguf/dtype.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGguf } from '../../harness/gguf/check.ts';
import { applyCorruption, CORRUPTIONS } from '../../harness/gguf/corrupt.ts';
import { generateModel } from '../../harness/gguf/generator.ts';

let dir: string;
let base: string;
let baseSize: number;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gguf-check-'));
  base = (await generateModel({ preset: 'tiny', seed: 1, out: path.join(dir, 'base.gguf') })).path;
  baseSize = (await stat(base)).size;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('catalogue', () => {
  it('has at least 40 uniquely named variants covering every part, each with a description', () => {
    expect(CORRUPTIONS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CORRUPTIONS.map((v) => v.id)).size).toBe(CORRUPTIONS.length);
    expect(new Set(CORRUPTIONS.map((v) => v.part))).toEqual(new Set(['header', 'metadata', 'tensor-info', 'tensor-data', 'semantics']));
    for (const v of CORRUPTIONS) expect(v.description.length).toBeGreaterThan(5);
  });

  it('includes every case FACTS.md says aborts llama.cpp, all expected to be rejected', () => {
    const factsAbort = ['duplicate-token', 'ffn-length-missing', 'ffn-length-zero', 'head-count-missing', 'head-count-zero',
      'embedding-length-missing', 'embedding-length-zero', 'context-length-missing', 'context-length-zero', 'block-count-zero',
      'block-count-1000', 'pooling-type-99', 'token-types-f16'];
    for (const id of factsAbort) expect(CORRUPTIONS.find((v) => v.id === id), id).toMatchObject({ expect: 'rejected' });
    // measured with node-llama-cpp 3.22.1: a missing embedding/context length is a JS error, the rest abort
    const measuredAbort = factsAbort.filter((id) => id !== 'embedding-length-missing' && id !== 'context-length-missing');
    for (const id of measuredAbort) expect(CORRUPTIONS.find((v) => v.id === id), id).toMatchObject({ llamaRisk: 'abort' });
    // every variant known to kill or hang the process is one check must reject
    for (const v of CORRUPTIONS.filter((x) => x.llamaRisk === 'abort' || x.llamaRisk === 'hang' || x.llamaRisk === 'nan')) expect(v.expect, v.id).toBe('rejected');
  });

  it('is deterministic: the same seed gives the same bytes', async () => {
    const a = path.join(dir, 'det-a.gguf');
    const b = path.join(dir, 'det-b.gguf');
    await applyCorruption('nan-attn-q', base, a, 5);
    await applyCorruption('nan-attn-q', base, b, 5);
    const h = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
    expect(await h(a)).toBe(await h(b));
  });

  it('rejects an unknown variant id with a clear message', async () => {
    await expect(applyCorruption('no-such-thing', base, path.join(dir, 'x.gguf'))).rejects.toThrow(/unknown corruption variant "no-such-thing"/);
  });
});

describe('checkGguf on valid models', () => {
  it.each(DTYPES)('accepts the tiny %s model quickly, data scanned', async (dtype) => {
    const p = (await generateModel({ preset: 'tiny', seed: 2, dtype, out: path.join(dir, `ok-${dtype}.gguf`) })).path;
    await checkGguf(p);
    const r = await checkGguf(p);
    // K-quant rows are whole 256-element blocks: the tiny preset is widened to E 256 for them
    const embedding = DTYPE_INFO[dtype].rowBlock === 256 ? 256 : 64;
    expect(r).toMatchObject({ ok: true, dataScanned: true, spec: { architecture: 'bert', embedding, layers: 2, heads: 4, vocab: 200 } });
    expect(r.durationMs).toBeLessThan(100);
  });
});

describe.each(CORRUPTIONS.map((v) => [v.id, v] as const))('variant %s', (id, v) => {
  it(`check says ${v.expect}${v.code ? ` (${v.code})` : ''}`, async () => {
    const out = path.join(dir, `${id}.gguf`);
    await applyCorruption(id, base, out, 1);
    const r = await checkGguf(out);
    expect(r.ok ? 'accepted' : 'rejected', r.ok ? 'accepted' : r.message).toBe(v.expect);
    if (!r.ok) {
      if (v.code) expect(r.code).toBe(v.code);
      expect(r.code).toMatch(/^GGUF_[A-Z0-9_]+$/);
      expect(r.code).not.toBe('GGUF_INTERNAL');
      expect(r.offset).toBeGreaterThanOrEqual(0);
      expect(r.offset).toBeLessThanOrEqual(baseSize + 4096);
      expect(r.field.length).toBeGreaterThan(0);
      expect(r.message).toContain(`field ${r.field}`);
    }
    await rm(out, { force: true });
  });
});

describe('NaN scan on other dtypes and big-file mode', () => {
  it.each(DTYPES.filter((d) => d !== 'f32'))('rejects planted NaN/Inf in a %s model', async (dtype) => {
    const src = (await generateModel({ preset: 'tiny', seed: 4, dtype, out: path.join(dir, `nan-src-${dtype}.gguf`) })).path;
    for (const id of ['nan-attn-q', 'inf-ffn-down', 'nan-cls-embedding']) {
      const out = path.join(dir, `nan-${dtype}-${id}.gguf`);
      await applyCorruption(id, src, out, 3);
      expect(await checkGguf(out)).toMatchObject({ ok: false, code: 'GGUF_NON_FINITE' });
    }
  });

  it('with scanData: false skips the data (NaN passes) but still checks the format', async () => {
    const out = path.join(dir, 'nan-noscan.gguf');
    await applyCorruption('nan-attn-q', base, out, 1);
    expect(await checkGguf(out, { scanData: false })).toMatchObject({ ok: true, dataScanned: false });
    await applyCorruption('pooling-type-99', base, out, 1);
    expect(await checkGguf(out, { scanData: false })).toMatchObject({ ok: false, code: 'GGUF_BAD_HPARAM', field: 'bert.pooling_type' });
  });

  it('reports a missing file as GGUF_IO, not a crash', async () => {
    expect(await checkGguf(path.join(dir, 'absent.gguf'))).toMatchObject({ ok: false, code: 'GGUF_IO', field: 'file' });
  });
});
