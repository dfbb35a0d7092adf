import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../harness/util/ts-runner.ts';

const run = promisify(execFile);
const BIN = packagePath('bin', 'gauntlet.mjs');

async function gauntlet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gguf-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gauntlet gguf (real CLI processes)', () => {
  it('generate, check --json (exit 0), corrupt --variant, check --json (exit 1 with code/offset/field)', async () => {
    const model = path.join(dir, 'm.gguf');
    const g = await gauntlet(['gguf', 'generate', '--preset', 'tiny', '--seed', '7', '--out', model, '--json']);
    expect(g.code).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ path: model, spec: { embedding: 64 }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const ok = await gauntlet(['gguf', 'check', model, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, code: null });

    const bad = path.join(dir, 'bad.gguf');
    expect((await gauntlet(['gguf', 'corrupt', '--variant', 'duplicate-token', '--from', model, '--out', bad, '--seed', '3'])).code).toBe(0);
    const no = await gauntlet(['gguf', 'check', bad, '--json']);
    expect(no.code).toBe(1);
    const body = JSON.parse(no.stdout);
    expect(body).toMatchObject({ ok: false, code: 'GGUF_DUPLICATE_TOKEN' });
    expect(body.offset).toBeGreaterThan(24);
    expect(body.field).toMatch(/^tokenizer\.ggml\.tokens\[\d+\]$/);
    expect(body.message).toMatch(/duplicates token/);
  }, 120_000);

  it('corrupt --list --json lists every variant; bad usage exits 2 with a message', async () => {
    const l = await gauntlet(['gguf', 'corrupt', '--list', '--json']);
    expect(l.code).toBe(0);
    const list = JSON.parse(l.stdout) as Array<{ id: string; part: string; description: string }>;
    expect(list.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(list[0]!)).toEqual(expect.arrayContaining(['id', 'part', 'description']));

    const u = await gauntlet(['gguf', 'generate', '--preset', 'tiny', '--out', path.join(dir, 'x.gguf')]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--seed is required/);
  }, 120_000);
});
