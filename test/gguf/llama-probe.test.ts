import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probeWithLlama, type LlamaProbeResult } from '../../harness/gguf/llama-probe.ts';
import { writeTestModel } from '../../harness/gguf/oracle-test-models.ts';

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('probeWithLlama', { timeout: 120_000 }, () => {
  let dir: string;
  let valid: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-probe-'));
    valid = await writeTestModel(path.join(dir, 'valid.gguf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function expectReaped(r: LlamaProbeResult): void {
    expect(r.pid).toBeGreaterThan(0);
    expect(isAlive(r.pid)).toBe(false);
  }

  it('embeds with a valid model: one finite vector of the model width per text, empty for an empty text', async () => {
    const r = await probeWithLlama(valid, ['hello world', ''], { timeoutMs: 60_000 });
    expect(r.outcome, r.message).toBe('embedded');
    expect(r.dims).toBe(64);
    expect(r.contextSize).toBe(128);
    expect(r.vectors!.map((v) => v.length)).toEqual([64, 0]);
    expect(r.hasNaN).toBe(false);
    expectReaped(r);
  });

  it('reports a truncated file as load-error with llama.cpp\'s reason', async () => {
    const bytes = await readFile(valid);
    const cut = path.join(dir, 'truncated.gguf');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await probeWithLlama(cut, ['hello'], { timeoutMs: 60_000 });
    expect(r.outcome).toBe('load-error');
    expect(r.message).toMatch(/Failed to load model/);
    // the bare rejection is followed by the logger's reason (e.g. "failed to read tensor data")
    expect(r.message!.length).toBeGreaterThan('Failed to load model'.length + 10);
    expectReaped(r);
  });

  it('reports feed_forward_length = 0 as killed by SIGABRT', async () => {
    const file = await writeTestModel(path.join(dir, 'ffn0.gguf'), {
      editKvs: (kvs) => kvs.map((kv) => (kv.key === 'bert.feed_forward_length' ? { ...kv, value: 0 } : kv)),
    });
    const r = await probeWithLlama(file, ['hello'], { timeoutMs: 60_000 });
    expect(r.outcome).toBe('killed');
    expect(r.signal).toBe('SIGABRT');
    expect(r.stderrTail ?? '').not.toBe('');
    expectReaped(r);
  });

  it('ends a probe that outlives its deadline with outcome timeout and leaves no process', async () => {
    const r = await probeWithLlama(valid, ['hello'], { timeoutMs: 150 });
    expect(r.outcome).toBe('timeout');
    expect(r.signal).toMatch(/^SIG(TERM|KILL)$/);
    expect(r.durationMs).toBeLessThan(150 + 1500 + 1000);
    expectReaped(r);
  });
});
