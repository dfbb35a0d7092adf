/**
 * Golden vectors: strict validation of the file, then the whole path on a model the oracle cannot run (Q4_1 layer
 * matrices): `gauntlet golden record` with the reference embedder, and a `gauntlet run` of the corpus scenario
 * judged against the file, where a clean adapter passes and one with a planted tokenizer defect fails by category.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeQ4_1Model } from '../../harness/gguf/oracle-test-models.ts';
import { parseGolden, readGolden, type GoldenFile } from '../../harness/golden/golden-file.ts';
import { packagePath } from '../../harness/util/ts-runner.ts';

const run = promisify(execFile);
const BIN = packagePath('bin', 'gauntlet.mjs');

function sample(): GoldenFile {
  return {
    format: 'gauntlet-golden', version: 1, recordedAt: '2026-12-08T01:00:00.000Z', gauntlet: '0.0.0',
    engine: { adapter: 'trusted', kind: 'http' },
    model: { path: '/m.gguf', sha256: 'a'.repeat(64), bytes: 10 },
    dims: 3,
    corpus: { seed: 1, size: 'quick', contextSize: 128, tokenizer: 'oracle', notes: [] },
    requests: [
      { kind: 'single', texts: [{ category: 'ascii', text: 'hello', tokens: 3, vector: [1, 0, 0] }] },
      { kind: 'batch', texts: [{ category: 'repeated', text: 'x y', tokens: 4, vector: [0, 1, 0] }, { category: 'repeated', text: 'x y', tokens: 4, vector: [0, 1, 0] }] },
    ],
  };
}

describe('golden file validation', () => {
  it('accepts a well-formed file and looks texts up', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'golden-ok-'));
    const f = path.join(dir, 'g.json');
    await writeFile(f, JSON.stringify(sample()));
    const g = await readGolden(f, { modelSha256: 'a'.repeat(64) });
    expect(g.vectors).toHaveLength(3);
    expect(Array.from(g.lookup('x y')!)).toEqual([0, 1, 0]);
    expect(g.lookup('absent')).toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });

  const bad: Array<[string, (g: GoldenFile & Record<string, unknown>) => void, RegExp]> = [
    ['wrong format', (g) => { (g as Record<string, unknown>).format = 'other'; }, /format: expected "gauntlet-golden"/],
    ['future version', (g) => { (g as Record<string, unknown>).version = 2; }, /version: expected 1/],
    ['a vector of the wrong dimension', (g) => { g.requests[0]!.texts[0]!.vector = [1, 0]; }, /requests\[0\]\.texts\[0\]\.vector: 2 numbers, but the file says dims 3/],
    ['a text without its vector', (g) => { delete (g.requests[0]!.texts[0] as Partial<GoldenFile['requests'][0]['texts'][0]>).vector; }, /requests\[0\]\.texts\[0\]\.vector: expected an array of numbers/],
    ['a NaN in a vector (as null)', (g) => { (g.requests[0]!.texts[0]!.vector as unknown[])[1] = null; }, /vector\[1\]: expected a finite number/],
    ['no requests', (g) => { g.requests = []; }, /requests: expected at least one request/],
    ['an unknown category', (g) => { g.requests[0]!.texts[0]!.category = 'klingon'; }, /category: expected one of the corpus categories/],
    ['a zero vector', (g) => { g.requests[0]!.texts[0]!.vector = [0, 0, 0]; }, /all zeros/],
    ['one text with two answers', (g) => { g.requests[1]!.texts[1]!.vector = [1, 0, 0]; }, /appears earlier with another vector/],
    ['a single request of two texts', (g) => { g.requests[1]!.kind = 'single'; }, /a single request has 2 texts, expected 1/],
    ['an unknown field', (g) => { (g as Record<string, unknown>).extra = 1; }, /\(top level\): .*extra/i],
  ];
  it.each(bad)('rejects %s with the field named', (_what, edit, message) => {
    const g = sample() as GoldenFile & Record<string, unknown>;
    edit(g);
    expect(() => parseGolden(JSON.parse(JSON.stringify(g)), 'g.json')).toThrow(message);
    try {
      parseGolden(JSON.parse(JSON.stringify(g)), 'g.json');
    } catch (e) {
      expect((e as { code: string }).code).toBe('GAUNTLET_GOLDEN_INVALID');
    }
  });

  it('rejects a file recorded on another model, a missing file and non-JSON', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'golden-bad-'));
    const f = path.join(dir, 'g.json');
    await writeFile(f, JSON.stringify(sample()));
    await expect(readGolden(f, { modelSha256: 'b'.repeat(64), modelPath: '/run.gguf' })).rejects.toThrow(/recorded on another model: \/m\.gguf .* but this run's model is \/run\.gguf/);
    await expect(readGolden(path.join(dir, 'none.json'))).rejects.toThrow(/cannot read it .*gauntlet golden record --adapter NAME/);
    await writeFile(f, '{ nope');
    await expect(readGolden(f)).rejects.toThrow(/not JSON/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('golden record, then a run judged against it, on a model the oracle cannot run', { timeout: 240_000 }, () => {
  let dir: string;
  let config: string;
  let golden: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'golden-run-'));
    const model = await writeQ4_1Model(path.join(dir, 'q4_1.gguf'));
    golden = path.join(dir, 'golden.json');
    config = path.join(dir, 'gauntlet.config.ts');
    const defaults = packagePath('harness', 'config', 'defaults.ts');
    await writeFile(config, [
      `import { defaultAdapters } from ${JSON.stringify(defaults)};`,
      'const ref = defaultAdapters().reference;',
      `export default { model: ${JSON.stringify(model)}, golden: ${JSON.stringify(golden)},`,
      `  adapters: { faulty: { ...ref, env: { GAUNTLET_FAULTS: 'no-cjk-split' }, description: 'reference with CJK not split' } } };`,
    ].join('\n'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the oracle names the tensor type it cannot read', async () => {
    const r = await run(process.execPath, [BIN, 'gguf', 'oracle', path.join(dir, 'q4_1.gguf'), 'hello'], { timeout: 60_000 }).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tensor types the oracle cannot dequantise: Q4_1 \(12 tensors, e\.g\. blk\.0\.attn_q\.weight\); it reads F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K\. Judge this model against golden vectors/);
  });

  it('records, then judges a clean adapter (pass) and a faulty one (fail, CJK named) against the file', async () => {
    const rec = await run(process.execPath, [BIN, 'golden', 'record', '--config', config, '--adapter', 'reference', '--out', golden], { timeout: 90_000 });
    expect(rec.stdout).toMatch(/texts in \d+ requests, 64 dims, recorded with reference/);
    expect(rec.stdout).toMatch(/the oracle cannot run this model .*Q4_1/);
    const g = await readGolden(golden);
    expect(g.data.engine.adapter).toBe('reference');
    expect(g.corpus.requests.some((r) => r.texts.some((t) => t.category === 'cjk'))).toBe(true);

    const out = path.join(dir, 'report');
    const r = await run(process.execPath, [BIN, 'run', '--quick', '--config', config, '--adapter', 'reference-uds,faulty', '--scenario', 'corpus', '--bench', 'off', '--out', out], { timeout: 150_000 })
      .catch((e) => e as { code: number; stdout: string; stderr: string });
    expect((r as { code?: number }).code, (r as { stderr: string }).stderr).toBe(1); // faulty fails a required claim
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
    const verdict = (a: string) => report.verdicts.find((v: { claim: string; adapter: string }) => v.claim === 'embeddings-match-reference' && v.adapter === a);
    expect(verdict('reference-uds').verdict).toBe('pass');
    expect(verdict('faulty').verdict).toBe('fail');
    expect(verdict('faulty').reason).toMatch(/CJK/);
    expect(report.references).toEqual([
      expect.objectContaining({ adapter: 'reference-uds', kind: 'golden', source: golden, engine: 'reference', engineKind: 'process', recordedAt: g.data.recordedAt }),
      expect.objectContaining({ adapter: 'faulty', kind: 'golden', source: golden, engine: 'reference' }),
    ]);
    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain(`- \`reference-uds\`: golden file ${golden}, recorded with reference (process) at ${g.data.recordedAt}`);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('id="references"');
  });

  it('a run whose model is not the golden file\'s stops before any scenario, naming both', async () => {
    const other = path.join(dir, 'other.config.ts');
    await writeFile(other, `export default { model: { preset: 'tiny', seed: 1 }, golden: ${JSON.stringify(golden)} };`);
    const r = await run(process.execPath, [BIN, 'run', '--quick', '--config', other, '--adapter', 'reference', '--scenario', 'corpus', '--bench', 'off', '--out', path.join(dir, 'r2')], { timeout: 60_000 }).catch((e) => e);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/golden file .*recorded on another model: .*q4_1\.gguf .*GAUNTLET_GOLDEN_INVALID/s);
  });
});
