/**
 * action.yml (the composite GitHub Action) and ci/github-actions.yml (the two example workflows). Structure is read
 * with PyYAML when python3 has it (gauntlet has no YAML parser among its dependencies); the action's bash steps are
 * cut out of the file by a block-scalar reader and run for real with a stub gauntlet.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../harness/util/ts-runner.ts';

const ACTION = packagePath('action.yml');
const EXAMPLES = packagePath('ci', 'github-actions.yml');
const VERSION = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
const HAS_PYYAML = spawnSync('python3', ['-c', 'import yaml']).status === 0;

interface Step { name?: string; id?: string; if?: string; uses?: string; run?: string; shell?: string; env?: Record<string, string>; with?: Record<string, unknown> }
interface Action { runs: { using: string; steps: Step[] }; inputs: Record<string, { default?: string }>; outputs: Record<string, { value: string }> }
interface Workflow { jobs: Record<string, { needs?: string; if?: string; strategy?: { 'fail-fast'?: boolean; matrix: Record<string, unknown[]> }; steps: Step[] }> }

function yamlDocs(file: string): unknown[] {
  const r = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown[];
}

/** The `run: |` block of the step named `name`, dedented. */
function runBlock(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  expect(start, `step "${name}"`).toBeGreaterThan(-1);
  const runAt = lines.findIndex((l, i) => i > start && /^\s+run: \|$/.test(l));
  const indent = lines[runAt]!.search(/\S/);
  const body: string[] = [];
  for (const l of lines.slice(runAt + 1)) {
    if (l.trim() !== '' && l.search(/\S/) <= indent) break;
    body.push(l);
  }
  const cut = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return body.map((l) => l.slice(cut)).join('\n');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs one of the action's bash steps in a temp folder, with a stub gauntlet that records its argv and exits `stubCode`. */
function runStep(name: string, env: Record<string, string>, stubCode = 0, setup?: (dir: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-action-'));
  dirs.push(dir);
  setup?.(dir);
  const stub = path.join(dir, 'gauntlet-stub');
  writeFileSync(stub, `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${dir}/argv"\nexit ${stubCode}\n`);
  chmodSync(stub, 0o755);
  const output = path.join(dir, 'github-output');
  writeFileSync(output, '');
  // As GitHub runs a composite step with `shell: bash`: bash --noprofile --norc -eo pipefail {0}.
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', runBlock(readFileSync(ACTION, 'utf8'), name)], {
    cwd: dir, encoding: 'utf8',
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, GITHUB_OUTPUT: output, GAUNTLET_BIN: stub, ...env },
  });
  const outputs = Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const argv = (() => {
    try { return readFileSync(path.join(dir, 'argv'), 'utf8').trimEnd().split('\n'); } catch { return undefined; }
  })();
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs: outputs as Record<string, string>, argv, dir };
}

const NO_INPUTS = { INPUT_CONFIG: '', INPUT_ADAPTERS: '', INPUT_SCENARIOS: '', INPUT_QUICK: 'true', INPUT_SHARD: '', INPUT_ARGS: '', INPUT_OUT: '' };

describe('action.yml: the Run gauntlet step (real bash, stub gauntlet)', () => {
  it('turns the inputs into gauntlet run arguments, and reports the exit code and the report folder', () => {
    const r = runStep('Run gauntlet', {
      ...NO_INPUTS, INPUT_CONFIG: 'ci/my.config.ts', INPUT_ADAPTERS: 'mine, reference', INPUT_SCENARIOS: 'latency forced-kill',
      INPUT_SHARD: '2/3', INPUT_ARGS: '--bench off --seed 7',
    }, 1);
    expect(r.status, r.stderr).toBe(0); // the verdict is acted on later, after the summary and the upload
    expect(r.argv).toEqual(['run', '--out', 'reports/gauntlet-shard-2-of-3', '--config', 'ci/my.config.ts', '--adapter', 'mine', '--adapter', 'reference',
      '--scenario', 'latency', '--scenario', 'forced-kill', '--quick', '--shard', '2/3', '--bench', 'off', '--seed', '7']);
    expect(r.outputs['exit-code']).toBe('1');
    expect(r.outputs['report-dir']).toBe(path.join(r.dir, 'reports', 'gauntlet-shard-2-of-3'));
  });

  it('with no inputs but quick: gauntlet run --out reports/gauntlet --quick', () => {
    const r = runStep('Run gauntlet', NO_INPUTS, 0);
    expect(r.argv).toEqual(['run', '--out', 'reports/gauntlet', '--quick']);
    expect(r.outputs).toEqual({ 'exit-code': '0', 'report-dir': path.join(r.dir, 'reports', 'gauntlet') });
  });

  it('quick false and an explicit out; a glob in a list is passed as it is', () => {
    const r = runStep('Run gauntlet', { ...NO_INPUTS, INPUT_QUICK: 'false', INPUT_OUT: 'out/here', INPUT_SCENARIOS: '*' }, 2);
    expect(r.argv).toEqual(['run', '--out', 'out/here', '--scenario', '*']);
    expect(r.outputs['exit-code']).toBe('2');
  });

  it('a quick that is neither true nor false: exit-code 2 with the value, gauntlet not run', () => {
    const r = runStep('Run gauntlet', { ...NO_INPUTS, INPUT_QUICK: 'yes' });
    expect(r.argv).toBeUndefined();
    expect(r.outputs['exit-code']).toBe('2');
    expect(r.stdout).toContain("input quick: expected true or false, got 'yes'");
  });

  it('Find or install gauntlet: the project\'s own node_modules/.bin/gauntlet is used, npm is not called', () => {
    const r = runStep('Find or install gauntlet', { GAUNTLET_PACKAGE: 'gauntlet' }, 0, (dir) => {
      mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
      writeFileSync(path.join(dir, 'node_modules', '.bin', 'gauntlet'), '#!/bin/sh\n', { mode: 0o755 });
      mkdirSync(path.join(dir, 'bin'));
      writeFileSync(path.join(dir, 'bin', 'npm'), '#!/bin/sh\necho "npm called: $*"; exit 99\n', { mode: 0o755 });
    });
    expect(r.stdout).not.toContain('npm called');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.outputs.bin).toBe(path.join(r.dir, 'node_modules', '.bin', 'gauntlet'));
  });

  it('the default `package` is the npm release of this version, and every example names the action at its release tag', () => {
    expect(readFileSync(ACTION, 'utf8')).toMatch(new RegExp(`^    default: gauntlet@${VERSION.replaceAll('.', '\\.')}$`, 'm'));
    for (const file of [ACTION, EXAMPLES, packagePath('README.md')]) {
      const refs = [...readFileSync(file, 'utf8').matchAll(/\/gauntlet@([^\s`'"]+)/g)].map((m) => m[1]);
      expect(refs.length, file).toBeGreaterThan(0);
      for (const ref of refs) expect(ref, `${file}: uses ...gauntlet@${ref}`).toBe(`v${VERSION}`);
    }
  });

  it('Find or install gauntlet: without one, npm install --no-save <package>; a failed install fails the step', () => {
    const r = runStep('Find or install gauntlet', { GAUNTLET_PACKAGE: 'gauntlet@0.1.0' }, 0, (dir) => {
      mkdirSync(path.join(dir, 'bin'));
      writeFileSync(path.join(dir, 'bin', 'npm'), '#!/bin/sh\necho "npm called: $*"; exit 99\n', { mode: 0o755 });
    });
    expect(r.stdout).toContain('npm called: install --no-save --no-audit --no-fund gauntlet@0.1.0');
    expect(r.status).toBe(99);
    expect(r.outputs.bin).toBeUndefined();
  });

  it.each([['0', 0], ['1', 1], ['2', 2], ['', 2]])('the Verdict step: exit code %j -> step status %d', (code, status) => {
    expect(runStep('Verdict', { CODE: code, COMPARE_CODE: '' }).status).toBe(status);
  });

  it.each([['0', '1', 1], ['0', '0', 0], ['0', '2', 0], ['1', '1', 1], ['2', '0', 2]])('the Verdict step: run %s, compare %s -> step status %d', (code, cmp, status) => {
    expect(runStep('Verdict', { CODE: code, COMPARE_CODE: cmp }).status).toBe(status);
  });

  it('Compare with the baseline: gauntlet compare BASELINE REPORT, its rows in the step summary, its exit code as output', () => {
    const files = (dir: string) => {
      mkdirSync(path.join(dir, 'baseline'));
      writeFileSync(path.join(dir, 'baseline', 'report.json'), '{}');
      mkdirSync(path.join(dir, 'out'));
      writeFileSync(path.join(dir, 'out', 'report.json'), '{}');
    };
    const env = { INPUT_BASELINE: 'baseline/report.json', REPORT_DIR: 'out', GITHUB_STEP_SUMMARY: 'step-summary.md' };
    const r = runStep('Compare with the baseline', env, 1, files);
    expect(r.status, r.stderr).toBe(0); // acted on in the Verdict step
    expect(r.outputs['exit-code']).toBe('1');
    expect(r.argv).toEqual(['compare', 'baseline/report.json', 'out/report.json', '--json']);
    expect(readFileSync(path.join(r.dir, 'step-summary.md'), 'utf8')).toContain('## gauntlet compare: this run against the baseline (exit 1)');
    // No baseline (a new repository): noted in the summary, gauntlet not called, no exit code.
    const none = runStep('Compare with the baseline', { ...env, INPUT_BASELINE: 'missing/report.json' }, 1);
    expect(none.status).toBe(0);
    expect(none.argv).toBeUndefined();
    expect(none.outputs['exit-code']).toBeUndefined();
    expect(readFileSync(path.join(none.dir, 'step-summary.md'), 'utf8')).toContain('No baseline at `missing/report.json`');
  });

  it('the artifact name gets the shard, so matrix jobs do not collide', () => {
    expect(runStep('Artifact name', { INPUT_NAME: 'gauntlet-report', INPUT_SHARD: '3/3' }).outputs.name).toBe('gauntlet-report-shard-3-of-3');
    expect(runStep('Artifact name', { INPUT_NAME: 'gauntlet-report', INPUT_SHARD: '' }).outputs.name).toBe('gauntlet-report');
  });
});

describe('action.yml: structure', () => {
  const text = readFileSync(ACTION, 'utf8');

  it('inputs reach the scripts only as environment variables (no ${{ }} inside a run block)', () => {
    for (const name of ['Find or install gauntlet', 'Run gauntlet', 'Step summary', 'Compare with the baseline', 'Artifact name', 'Verdict']) {
      expect(runBlock(text, name)).not.toContain('${{');
    }
  });

  it.skipIf(!HAS_PYYAML)('a composite action with the inputs and outputs the issue names, uploading with actions/upload-artifact (PyYAML)', () => {
    const [action] = yamlDocs(ACTION) as [Action];
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['config', 'adapters', 'scenarios', 'quick', 'shard']));
    expect(action.outputs['exit-code']!.value).toBe('${{ steps.run.outputs.exit-code }}');
    expect(action.outputs['report-dir']!.value).toBe('${{ steps.run.outputs.report-dir }}');
    const steps = action.runs.steps;
    for (const s of steps.filter((x) => x.run)) expect(s.shell).toBe('bash'); // a composite run step must name its shell
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.uses).toBe('actions/upload-artifact@v4');
    expect(upload.with!.path).toBe('${{ steps.run.outputs.report-dir }}');
    expect(upload.if).toContain('always()');
    const names = steps.map((s) => s.name);
    expect(names.indexOf('Step summary')).toBeGreaterThan(names.indexOf('Run gauntlet'));
    expect(names.at(-1)).toBe('Verdict');
    expect(steps.at(-1)!.if).toBe('always()');
    // Every ${{ inputs.X }} names a declared input.
    for (const [, used] of text.matchAll(/\$\{\{[^}]*inputs\.([\w-]+)/g)) expect(Object.keys(action.inputs)).toContain(used);
    expect(runBlock(text, 'Find or install gauntlet')).toContain('npm install --no-save');
  });
});

describe.skipIf(!HAS_PYYAML)('ci/github-actions.yml: the three example workflows (PyYAML)', () => {
  const [dev, sharded, compare] = yamlDocs(EXAMPLES) as [Workflow, Workflow, Workflow];

  it('3. a pull request against main: main\'s last gauntlet-report downloaded, the action run with it as baseline', () => {
    const steps = compare.jobs.compare!.steps;
    const download = steps.find((s) => s.name === 'Download the main branch\'s last report')!;
    expect(download.run).toContain('gh run download "$run_id" --repo "$GITHUB_REPOSITORY" --name gauntlet-report --dir baseline');
    const action = steps.find((s) => s.uses?.endsWith(`/gauntlet@v${VERSION}`))!;
    expect(action.with).toMatchObject({ baseline: 'baseline/report.json', quick: true });
  });

  it('1. gauntlet as a devDependency: npm ci, npx gauntlet run --quick, summary and upload', () => {
    const runs = dev.jobs.gauntlet!.steps.map((s) => s.run ?? s.uses ?? '');
    expect(runs).toEqual(expect.arrayContaining(['npm ci', 'actions/upload-artifact@v4', 'actions/cache@v4']));
    expect(runs.some((r) => r.startsWith('npx gauntlet run --quick'))).toBe(true);
    expect(runs.some((r) => r.includes('summary.md >> "$GITHUB_STEP_SUMMARY"'))).toBe(true);
  });

  it('2. the action over a shard matrix (fail-fast off), then a merge job that runs whatever the shards did', () => {
    const shards = sharded.jobs.shards!;
    expect(shards.strategy!['fail-fast']).toBe(false);
    expect(shards.strategy!.matrix.shard).toEqual(['1/3', '2/3', '3/3']);
    const action = shards.steps.find((s) => s.uses?.endsWith(`/gauntlet@v${VERSION}`))!;
    expect(action.with).toMatchObject({ shard: '${{ matrix.shard }}', quick: true });
    const merge = sharded.jobs.merge!;
    expect(merge.needs).toBe('shards');
    expect(merge.if).toBe('always()');
    const download = merge.steps.find((s) => s.uses === 'actions/download-artifact@v4')!;
    expect(download.with).toMatchObject({ pattern: 'gauntlet-report-shard-*', path: 'shards' });
    expect(merge.steps.some((s) => s.run?.includes('gauntlet merge shards/* --out reports/merged'))).toBe(true);
    expect(merge.steps.some((s) => s.uses === 'actions/upload-artifact@v4')).toBe(true);
  });
});
