import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tsNodeArgs, PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import { writeTestModel } from '../../harness/gguf/oracle-test-models.ts';
import { verifyModel, cosineBound } from '../../harness/gguf/verify.ts';
import { GgmlType } from '../../harness/gguf/types.ts';

const CLI = path.join(PACKAGE_ROOT, 'harness/cli/gguf-oracle.ts');

/** Runs harness/cli/gguf-oracle.ts's run(argv) in a fresh process, as `gauntlet gguf ...` would. */
function cli(...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const script = `import { run } from ${JSON.stringify(CLI)}; process.exitCode = await run(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, [...tsNodeArgs(), '--input-type=module', '-e', script, ...argv], {
    encoding: 'utf8',
    timeout: 90_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gguf verify / oracle CLI', { timeout: 150_000 }, () => {
  let dir: string;
  let valid: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-verify-'));
    valid = await writeTestModel(path.join(dir, 'valid.gguf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('cosine bounds per weight type: 0.9999 for F32/F16, 0.9995 for Q8_0/Q4_0, 0.999 for the K-quants (docs/claims.md)', () => {
    expect([GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0].map(cosineBound)).toEqual([0.9999, 0.9999, 0.9995, 0.9995]);
    expect([GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K].map(cosineBound)).toEqual([0.999, 0.999, 0.999]);
  });

  it('verify --json passes on a valid model and exits 0', () => {
    const r = cli('verify', valid, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dtype: 'f32', bound: 0.9999, pass: true, tokenMismatches: 0, failures: [] });
    expect(out.texts).toBeGreaterThanOrEqual(50);
    expect(out.minCosine).toBeGreaterThanOrEqual(0.9999);
    expect(out.meanCosine).toBeGreaterThanOrEqual(out.minCosine);
    expect(out.maxAbsDiff).toBeLessThan(1e-3);
  });

  it('oracle --json prints one vector per text', () => {
    const r = cli('oracle', valid, '--json', '--normalize', 'hello world', 'the model');
    expect(r.code, r.stderr).toBe(0);
    const { vectors } = JSON.parse(r.stdout) as { vectors: number[][] };
    expect(vectors.map((v) => v.length)).toEqual([64, 64]);
    expect(Math.hypot(...vectors[0]!)).toBeCloseTo(1, 5);
  });

  it('verify fails (exit 1) when node-llama-cpp dies on the model: F16 token_types aborts at the first embedding', async () => {
    const file = await writeTestModel(path.join(dir, 'types-f16.gguf'), {
      editTensors: (ts) => ts.map((t) => (t.name === 'token_types.weight' ? { ...t, type: GgmlType.F16, data: () => [Buffer.alloc(64 * 2 * 2)] } : t)),
    });
    const c = cli('verify', file, '--json');
    expect(c.code).toBe(1);
    const out = JSON.parse(c.stdout);
    expect(out).toMatchObject({ probeOutcome: 'killed', pass: false });
    expect(out.probeMessage).toMatch(/SIGABRT/);
  });

  it('the oracle follows bert.pooling_type: CLS pooling still matches node-llama-cpp', async () => {
    const file = await writeTestModel(path.join(dir, 'cls.gguf'), {
      editKvs: (kvs) => kvs.map((kv) => (kv.key === 'bert.pooling_type' ? { ...kv, value: 2 } : kv)),
    });
    const r = await verifyModel(file, { timeoutMs: 60_000 });
    expect(r.probeOutcome, r.probeMessage).toBe('embedded');
    expect(r.minCosine).toBeGreaterThanOrEqual(0.9999);
    expect(r.pass).toBe(true);
  });

  it('usage errors name the problem', () => {
    const r = cli('verify');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expected exactly one model file/);
  });
});
