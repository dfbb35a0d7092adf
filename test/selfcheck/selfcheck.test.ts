/**
 * The whole selfcheck at quick sizes, through the real CLI: real hosts, real reference embedders with planted
 * faults, real scenarios. SLOW: several minutes on a 2-core machine (it runs every planted fault in turn).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';
import { FAULTS } from '../../reference-embedder/faults.ts';

interface Row { fault: string; scenarios: string[]; caughtBy: string[]; durationMs: number; legal: boolean; ok: boolean; expected: string[] }
interface Result { score: number; planted: number; caught: number; rows: Row[]; cleanPassed: boolean; cleanFailures: unknown[]; problems: unknown[] }

function gauntlet(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PACKAGE_ROOT, 'bin/gauntlet.mjs'), ...args], {
      cwd: PACKAGE_ROOT, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, GAUNTLET_FAULTS: 'leak=1' }, // must not leak into the clean run
    }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? null : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('gauntlet selfcheck (slow: every planted fault at quick sizes)', () => {
  it('catches every planted fault with a required claim, and the clean reference passes', async () => {
    const { code, stdout, stderr } = await gauntlet(['selfcheck', '--quick', '--json'], 14 * 60_000);
    let result: Result;
    try {
      result = JSON.parse(stdout) as Result;
    } catch {
      throw new Error(`selfcheck printed no JSON (exit ${code}); stderr tail:\n${stderr.slice(-3000)}`);
    }
    const summary = result.rows.map((r) => `${r.fault}: ${r.legal ? (r.ok ? 'legal, passed' : `legal, WRONGLY FAILED ${r.caughtBy.join(', ')}`) : r.caughtBy.join(', ') || 'NOT CAUGHT'}`).join('\n');
    expect(result.problems, summary).toEqual([]);
    expect(result.cleanFailures, summary).toEqual([]);
    expect(result.cleanPassed).toBe(true);
    expect(result.planted).toBeGreaterThanOrEqual(9);
    expect([...new Set(result.rows.map((r) => r.fault.split(/[=@]/)[0]))]).toEqual(FAULTS.map((f) => f.name));
    for (const r of result.rows.filter((x) => !x.legal)) expect(r.caughtBy.length, `${r.fault} not caught\n${summary}`).toBeGreaterThan(0);
    // The legal behaviours (reordered data, normalised vectors over http) must leave every required claim passing.
    const legal = result.rows.filter((r) => r.legal);
    expect(legal.map((r) => r.fault)).toEqual(FAULTS.filter((f) => f.legal).map((f) => f.name));
    for (const r of legal) expect(r.caughtBy, `${r.fault} is legal\n${summary}`).toEqual([]);
    // The new rows are caught by the claim each one names.
    for (const name of ['non-finite', 'http-short-batch', 'http-bare-nan', 'http-orphan-worker', 'http-loading']) {
      const r = result.rows.find((x) => x.fault.split('=')[0] === name)!;
      expect(r.caughtBy.some((c) => r.expected.includes(c)), `${name}\n${summary}`).toBe(true);
    }
    expect(result.score, summary).toBe(1);
    expect(code).toBe(0);
    // progress went to stderr, one line per row
    for (const r of result.rows) expect(stderr).toContain(r.legal ? `${r.fault}: legal, passed` : `${r.fault}: caught by`);
  }, 15 * 60_000);

  it('a bad --fault is a usage error (exit 2) before anything runs', async () => {
    const { code, stderr } = await gauntlet(['selfcheck', '--fault', 'no-such-fault'], 30_000);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown fault "no-such-fault"; valid faults: crash-on-concurrent/);
  });
});
