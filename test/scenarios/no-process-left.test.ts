/**
 * Nothing outlives a run: the reference embedder with `ignore-everything` (ignores SIGTERM, shutdown, the end of
 * stdin and its parent's death, and starts a helper in a session of its own) through parent-exit and
 * pipe-disconnect. The processes really outlive their hosts (the scenarios report them), and after the run no
 * process that inherited this test's marker is left.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import parentExit from '../../scenarios/parent-exit.ts';
import pipeDisconnect from '../../scenarios/pipe-disconnect.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import { procParent } from '../../harness/faults/proc.ts';
import { adapterFor } from './throughput-run.ts';

/** Live processes (not zombies) whose environment holds MARK=value, other than this one and its esbuild service. */
function marked(mark: string, value: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${n}/environ`, 'utf8').split('\0');
      if (!env.includes(`${mark}=${value}`)) continue;
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue;
      const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0').join(' ');
      if (procParent(Number(n)) === process.pid && /esbuild/.test(cmd) && cmd.includes('--service=')) continue;
      out.push({ pid: Number(n), cmd });
    } catch { /* gone or not ours */ }
  }
  return out;
}

describe('no process outlives a run', () => {
  it('ignore-everything through parent-exit and pipe-disconnect: orphans reported, none left after the run', async () => {
    const value = `${process.pid}-${Date.now()}`;
    process.env.GAUNTLET_TEST_MARK = value;
    try {
      const adapter = await adapterFor('reference', { faults: 'ignore-everything' });
      const { report } = await runGauntlet({
        scenarios: [
          { ...parentExit, quick: { ...parentExit.quick, modes: ['idle'], observeMs: 1500 } },
          { ...pipeDisconnect, quick: { ...pipeDisconnect.quick, trials: ['half-close-to-host'] } },
        ],
        adapters: [adapter], seed: 5, quick: true, command: 'vitest', model: { path: adapter.model }, evaluate: () => [],
      });
      const [pe, pd] = report.scenarios;
      for (const r of report.scenarios) console.log(r.scenario, r.status, JSON.stringify(r.errors.map((e) => `${e.code}: ${e.message}`), null, 1));
      // The embedder outlived its SIGKILLed host, and so did the helper it started in a session of its own: the
      // embedder is its whole tree, two orphans, each SIGKILLed by the scenario after its observation.
      expect(pe!.metrics['parentExit.orphans']).toBe(2);
      const orphans = pe!.errors.filter((e) => e.code === 'ORPHAN').map((e) => e.message);
      expect(orphans.some((m) => /started by embedder pid \d+, was still alive 1000 ms after the host was SIGKILLed/.test(m))).toBe(true);
      // pipe-disconnect's leftovers are found by the run-tag sweep: a required failure (embedder-leaves-nothing-behind).
      expect(pd!.metrics['leftover.processes']).toBeGreaterThanOrEqual(2);
      // pipe-disconnect: the supervisor's SIGKILL ends the relay; the embedder behind it and the helper are orphans
      // only the run tag finds.
      const pdLeft = pd!.errors.filter((e) => e.code === 'GAUNTLET_LEFTOVER_PROCESS');
      expect(pdLeft.some((e) => /reference-embedder/.test(e.message) && /SIGKILLed/.test(e.message))).toBe(true);
      expect(pdLeft.some((e) => /ignore-everything-helper/.test(e.message))).toBe(true);
      expect(report.errors ?? []).toEqual([]);
      expect(marked('GAUNTLET_TEST_MARK', value)).toEqual([]);
    } finally {
      delete process.env.GAUNTLET_TEST_MARK;
    }
  }, 120_000);

  it('the check can fail: a marked process started outside the run is seen', async () => {
    const value = `${process.pid}-outside-${Date.now()}`;
    const { spawn } = await import('node:child_process');
    const p = spawn(process.execPath, ['-e', 'setInterval(()=>{},1<<30)'], { env: { ...process.env, GAUNTLET_TEST_MARK: value }, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    try {
      expect(marked('GAUNTLET_TEST_MARK', value).map((x) => x.pid)).toEqual([p.pid]);
    } finally {
      p.kill('SIGKILL');
    }
  });
});
