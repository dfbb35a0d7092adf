import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

let stderr = '';
let stdout = '';
beforeEach(() => {
  stderr = '';
  stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { stderr += String(c); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { stdout += String(c); return true; });
});
afterEach(() => vi.restoreAllMocks());

describe('gauntlet run flags', () => {
  it.each([
    [['--adapter', 'nope'], /--adapter: unknown adapter "nope"; valid values: reference, .*in-process/],
    [['--scenario', 'nope'], /--scenario: unknown scenario "nope"; valid values: cold-start, latency, corpus, forced-kill/],
    [['--reporter', 'pdf'], /--reporter: unknown reporter "pdf"; valid values: .*json/],
    [['--shard', '3/2'], /--shard: expected i\/n with 1 <= i <= n \(e\.g\. 1\/3\), got "3\/2"/],
    [['--seed', '1.5'], /--seed: expected an integer between 0 and 4294967295, got "1.5"/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 with a message naming the flag', async (args, message) => {
    expect(await main(['run', ...args])).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('--list names the scenarios and adapters; --help exits 0', async () => {
    expect(await main(['run', '--list'])).toBe(0);
    expect(stdout).toMatch(/scenarios: cold-start, latency, corpus, forced-kill/);
    expect(stdout).toMatch(/adapters: reference, reference-uds/);
    // Then each adapter on its own line with its kind, default / comparison, and description.
    expect(stdout).toMatch(/^ {2}reference \(process, default\): reference embedder, stdio \+ MessagePack/m);
    expect(stdout).toMatch(/^ {2}in-process \(in-process, default, comparison\): /m);
    expect(await main(['run', '--help'])).toBe(0);
    expect(stdout).toMatch(/--shard i\/n/);
  });
});

describe('gauntlet run (real process)', () => {
  it('bin/gauntlet.mjs exits 2 on a bad flag', () => {
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'run', '--shard', 'x'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--shard/);
  });
});
