/** The reproduce command a run records: its flags once each, and the seed that was used. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

const out = mkdtempSync(path.join(tmpdir(), 'gauntlet-repro-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('gauntlet run: reproduce command', () => {
  it('writes --quick once when it is given twice (npm run scenarios -- --quick), and adds the seed', () => {
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'run', '--quick', '--scenario', 'cold-start', '--adapter', 'reference',
      '--reporter', 'json', '--out', out, '--quick', '--seed', '5', '--bench', 'off'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { command: string; seed: number };
    expect(report.seed).toBe(5);
    expect(report.command.match(/--quick/g)).toHaveLength(1);
    expect(report.command).toMatch(/^npx gauntlet run --quick --scenario cold-start --adapter reference --reporter json --out \S+ --bench off --seed 5$/);
  }, 150_000);
});
