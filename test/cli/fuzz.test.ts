/** `gauntlet fuzz` argument handling, through the real CLI (nothing is fuzzed: every case stops before a host starts). */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { casesInFile } from '../../harness/cli/fuzz.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

function gauntlet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PACKAGE_ROOT, 'bin/gauntlet.mjs'), ...args], { cwd: PACKAGE_ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? null : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('gauntlet fuzz (arguments)', () => {
  it.each([
    [['fuzz', '--frames', '0'], /--frames: expected an integer from 1/],
    [['fuzz', '--seed', 'x'], /--seed: expected an integer from 0/],
    [['fuzz', '--adapter', 'nope'], /unknown adapter "nope"; known: reference/],
    [['fuzz', '--adapter', 'in-process'], /in-process adapter has no wire/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const { code, stderr } = await gauntlet(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  }, 60_000);

  it('--help lists the options and the replay form', async () => {
    const { code, stdout } = await gauntlet(['fuzz', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--frames N/);
    expect(stdout).toMatch(/--replay FILE/);
  });

  it('casesInFile reads one case, a fuzz --json output and a report.json; refuses a file without one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-fuzz-cli-'));
    const fc = { seed: 1, wire: 'msgpack', options: { maxFrameBytes: 65536, maxBatch: 10 }, indices: [170], kinds: ['wrong-type'], bytes: 'AAAA', reproducedAlone: true, death: { reason: 'exit', signal: 'SIGSEGV', exitCode: null } };
    const write = (name: string, v: unknown) => { const f = path.join(dir, name); writeFileSync(f, JSON.stringify(v)); return f; };
    expect(casesInFile(write('one.json', fc))).toEqual([fc]);
    expect(casesInFile(write('out.json', { cases: [fc, fc] }))).toHaveLength(2);
    expect(casesInFile(write('report.json', { scenarios: [{ timeline: [{ label: 'fuzz crash case', details: fc }, { label: 'other' }] }] }))).toEqual([fc]);
    expect(() => casesInFile(write('none.json', { hello: 1 }))).toThrow(/holds no fuzz case/);
  });
});
