/**
 * An interrupted run is a run: SIGINT / SIGTERM during `gauntlet run` stops the scenario under way within seconds,
 * writes the reports of the runs that completed (marked partial, the rest listed as not run), exits 130 / 143, and
 * leaves no process of the run behind (found by a marker in /proc/PID/environ, which every child inherits).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../harness/util/ts-runner.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-interrupt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function markedPids(marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(marker)) out.push(Number(d));
    } catch { /* gone, or not ours to read */ }
  }
  return out;
}

interface Interrupted { code: number | null; stderr: string; exitAfterSignalMs: number; out: string; marker: string }

/** Starts a run, sends `signal` once `waitFor` shows on stderr (plus `delayMs`), and waits for the exit. */
function interruptRun(name: string, scenarios: string[], signal: NodeJS.Signals, waitFor: RegExp, delayMs: number): Promise<Interrupted> {
  const out = path.join(tmp, name);
  const marker = `GAUNTLET_TEST_MARK=${name}-${process.pid}`;
  const child = spawn(process.execPath, [packagePath('bin', 'gauntlet.mjs'), 'run', '--adapter', 'reference', ...scenarios.flatMap((s) => ['--scenario', s]), '--quick', '--bench', 'off', '--out', out], {
    env: { ...process.env, GAUNTLET_TEST_MARK: marker.split('=')[1] }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let sentAt = 0;
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`run did not end; stderr:\n${stderr}`)); }, 120_000);
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (!sentAt && waitFor.test(stderr)) {
        sentAt = -1;
        setTimeout(() => { sentAt = performance.now(); child.kill(signal); }, delayMs);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr, exitAfterSignalMs: performance.now() - sentAt, out, marker });
    });
  });
}

describe('gauntlet run, interrupted', () => {
  it('SIGINT during the second scenario: exit 130, the first reported, the second stopped, the third not run, no process left', async () => {
    // forced-kill is second in run order (the registry's) and lasts ~3 s here: the signal lands inside it.
    const r = await interruptRun('sigint', ['cold-start', 'forced-kill', 'restart-storm'], 'SIGINT', /\[2\/3\] forced-kill/, 1000);
    expect(r.code, r.stderr).toBe(130);
    expect(r.exitAfterSignalMs).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/SIGINT received: stopping the scenario under way/);
    const report = JSON.parse(readFileSync(path.join(r.out, 'report.json'), 'utf8')) as { scenarios: Array<{ scenario: string }>; partial: unknown; summary: { exitCode: number } };
    expect(report.scenarios.map((s) => s.scenario)).toEqual(['cold-start']);
    expect(report.partial).toMatchObject({ signal: 'SIGINT', interrupted: { scenario: 'forced-kill', adapter: 'reference' }, notRun: [{ scenario: 'restart-storm', adapter: 'reference' }] });
    expect(report.summary.exitCode).toBe(130);
    expect(readFileSync(path.join(r.out, 'summary.md'), 'utf8')).toMatch(/# gauntlet: PARTIAL \(exit 130\)[\s\S]*not run: restart-storm\/reference/);
    expect(readFileSync(path.join(r.out, 'report.html'), 'utf8')).toMatch(/Partial run/);
    expect(readFileSync(path.join(r.out, 'junit.xml'), 'utf8')).toMatch(/<testsuites/);
    expect(markedPids(r.marker)).toEqual([]);
  }, 150_000);

  it('SIGTERM during the first scenario: exit 143, nothing completed, both listed', async () => {
    const r = await interruptRun('sigterm', ['forced-kill', 'hang'], 'SIGTERM', /\[1\/2\] forced-kill/, 2500);
    expect(r.code, r.stderr).toBe(143);
    expect(r.exitAfterSignalMs).toBeLessThan(15_000);
    const report = JSON.parse(readFileSync(path.join(r.out, 'report.json'), 'utf8')) as { scenarios: unknown[]; partial: unknown };
    expect(report.scenarios).toEqual([]);
    expect(report.partial).toMatchObject({ signal: 'SIGTERM', interrupted: { scenario: 'forced-kill' }, notRun: [{ scenario: 'hang' }] });
    expect(markedPids(r.marker)).toEqual([]);
  }, 150_000);
});
