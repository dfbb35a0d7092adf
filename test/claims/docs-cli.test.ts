import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../harness/cli/docs.ts';
import { renderClaimsMarkdown } from '../../harness/claims/claims-doc.ts';
import { sampleReport } from '../../harness/report/sample-report.ts';

describe('gauntlet docs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes claims.md into --out', async () => {
    expect(await run(['--out', dir, '--only', 'claims'])).toBe(0);
    expect(readFileSync(path.join(dir, 'claims.md'), 'utf8')).toBe(renderClaimsMarkdown());
    expect(existsSync(path.join(dir, 'gguf-corruptions.md'))).toBe(false);
  });

  it('rejects unknown flags and values as usage errors', async () => {
    await expect(run(['--only', 'everything'])).rejects.toMatchObject({ code: 'GAUNTLET_USAGE', message: expect.stringMatching(/--only: expected "claims", "gguf" or "findings", got "everything"/) });
    await expect(run(['--nope'])).rejects.toMatchObject({ code: 'GAUNTLET_USAGE' });
    await expect(run(['--only', 'findings'])).rejects.toMatchObject({ code: 'GAUNTLET_USAGE', message: expect.stringContaining('--only findings needs --report FILE') });
  });

  it('writes findings.md from a report.json: each timing figure with its interval, the commit, and near threshold', async () => {
    const report = sampleReport(3);
    const v = report.verdicts.find((x) => x.verdict === 'pass' && x.unit === 'ms' && x.value !== null)!;
    v.interval = { n: 40, level: 0.95, lo: v.value! * 0.9, hi: v.value! * 1.2, method: 'order-statistics', samples: 'single', stat: 'p50', scenario: v.evidence.scenarios[0] ?? 'latency' };
    v.nearThreshold = true;
    report.environment.commit = 'abc123def456';
    report.environment.loadavg = [1.5, 2, 2.5];
    const file = path.join(dir, 'report.json');
    writeFileSync(file, JSON.stringify(report));
    expect(await run(['--out', dir, '--only', 'findings', '--report', file, '--note', 'measured for a test'])).toBe(0);
    const md = readFileSync(path.join(dir, 'findings.md'), 'utf8');
    expect(md).toContain('- commit: **abc123def456**');
    expect(md).toContain('load average 1.5 / 2 / 2.5');
    expect(md).toContain('- note: measured for a test');
    expect(md).toContain('## Timing and rate claims (value [95 % interval])');
    expect(md).toMatch(new RegExp(`\\| ${v.claim} \\|[^\\n]*PASS [^|]*\\[[^\\]]+ to [^\\]]+\\] near threshold`));
    expect(existsSync(path.join(dir, 'claims.md'))).toBe(true); // from the first test; findings alone writes only findings.md
    delete report.environment.commit;
    writeFileSync(file, JSON.stringify(report));
    expect(await run(['--out', dir, '--only', 'findings', '--report', file, '--commit', '906ac90'])).toBe(0);
    expect(readFileSync(path.join(dir, 'findings.md'), 'utf8')).toContain('- commit: **906ac90**');
  });
});
