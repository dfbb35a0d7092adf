/**
 * The package round trip a user makes: `npm pack` in this checkout (prepack builds dist/), `npm install -D` of the
 * tarball into an empty project outside the repository (preferring the npm cache that `npm ci` filled),
 * then gauntlet run from there with plain node: a TypeScript config importing 'gauntlet', an embedding that matches
 * the oracle, a real scenario run writing its reports into the project, every example config, and nothing written
 * inside node_modules/gauntlet. GAUNTLET_TARBALL=path reuses a tarball packed earlier.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import { loadOracle } from '../../harness/gguf/oracle.ts';
import { locateTransformersJs } from '../../harness/engines/install-transformers.ts';
import { locateEngine } from '../../harness/engines/locate.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-pack-'));
const project = path.join(tmp, 'project');
const installed = path.join(project, 'node_modules', 'gauntlet');
const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

interface Ran { status: number | null; signal: string | null; stdout: string; stderr: string }

/**
 * Runs a command without blocking this test worker (npm install can take a minute: a blocked worker misses
 * vitest's own RPC deadlines).
 */
function sh(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, {
      cwd: opts.cwd ?? project, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** The installed gauntlet's own bin, run with plain node (what `npx gauntlet` runs). */
function gauntlet(args: string[], timeoutMs = 120_000): Promise<Ran> {
  return sh(process.execPath, [path.join(project, 'node_modules', '.bin', 'gauntlet'), ...args], { timeoutMs });
}

function ok(r: Ran, what: string): Ran {
  expect(r.status, `${what} exited ${r.status} (signal ${r.signal})\nstdout: ${r.stdout?.slice(-2000)}\nstderr: ${r.stderr?.slice(-3000)}`).toBe(0);
  return r;
}

/** Every file under a folder with its size and mtime: two snapshots differ iff something was written there. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else {
        const s = statSync(full);
        out.set(path.relative(dir, full), `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; }
  return d / Math.sqrt(na * nb);
}

let before: Map<string, string>;
let tarball: string;

beforeAll(async () => {
  if (process.env.GAUNTLET_TARBALL) {
    tarball = path.resolve(process.env.GAUNTLET_TARBALL);
  } else {
    const pack = ok(await sh('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PACKAGE_ROOT, timeoutMs: 180_000 }), 'npm pack');
    const json = pack.stdout.slice(pack.stdout.indexOf('['));
    tarball = path.join(tmp, (JSON.parse(json) as Array<{ filename: string }>)[0]!.filename);
  }
  cpSync(path.join(PACKAGE_ROOT, 'examples'), path.join(project, 'examples'), { recursive: true });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-embedder', version: '1.0.0', private: true }, null, 2));
  // --prefer-offline, not --offline: `npm ci` fills the cache with tarballs but not with the packuments a fresh install
  // resolves versions from (a fresh machine failed with ENOTCACHED @msgpack/msgpack); the registry is reachable.
  ok(await sh('npm', ['install', '-D', '--prefer-offline', '--no-audit', '--no-fund', tarball], { timeoutMs: 300_000 }), 'npm install -D <tarball> --prefer-offline');
  before = snapshot(installed);
}, 600_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships compiled JavaScript, .d.ts and the bundles; no sources, tests, reports or caches', () => {
    const files = [...before.keys()];
    expect(files).toContain('dist/harness/cli/main.js');
    expect(files).toContain('dist/harness/index.d.ts');
    expect(files).toContain('dist/bundles/reference-embedder-main.mjs');
    expect(files).toContain('dist/bundles/harness-host-host-main.mjs');
    expect(files).toContain('dist/bundles/scenarios-support-pipe-disconnect-relay.mjs');
    expect(files).toContain('dist/bundles/harness-bench-echo-peer.mjs');
    expect(files).toContain('dist/harness/report/html/client.js');
    const bad = files.filter((f) => /(^|\/)(test|reports|\.cache|node_modules)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    expect(bad).toEqual([]);
  });
});

describe('installed into an empty project', () => {
  it('`gauntlet --help` runs from dist/ with plain node (no TypeScript loader)', async () => {
    const r = ok(await gauntlet(['--help']), 'gauntlet --help');
    expect(r.stdout).toMatch(/usage: gauntlet <command>/);
    // No TypeScript sources ship; harness/native holds the shm addon's C source, compiled on first use.
    const shipped = existsSync(path.join(installed, 'harness')) ? readdirSync(path.join(installed, 'harness'), { recursive: true }).map(String) : [];
    expect(shipped.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(existsSync(path.join(installed, 'harness', 'cli'))).toBe(false);
  });

  it('a gauntlet.config.ts importing from \'gauntlet\' is loaded; embed matches the oracle', async () => {
    writeFileSync(path.join(project, 'gauntlet.config.ts'), [
      "import { defineConfig, type GauntletConfig } from 'gauntlet';",
      "const config: GauntletConfig = { defaultAdapters: ['reference'], outDir: 'gauntlet-reports' };",
      'export default defineConfig(config);', '',
    ].join('\n'));
    const r = ok(await gauntlet(['embed', '--adapter', 'reference', '--json', 'hello world', 'the quick brown fox']), 'gauntlet embed');
    const out = JSON.parse(r.stdout) as { dims: number; model: string; vectors: number[][] };
    const oracle = await loadOracle(await ensureModel(resolveConfig({}).model));
    expect(out.dims).toBe(oracle.dims);
    expect(out.model.startsWith(installed)).toBe(false);
    ['hello world', 'the quick brown fox'].forEach((t, i) => expect(cosine(out.vectors[i]!, oracle.embed(t))).toBeGreaterThanOrEqual(0.9999));
  }, 120_000);

  it('gauntlet run writes its reports under the project (the config\'s outDir) and exits 0', async () => {
    const r = await gauntlet(['run', '--adapter', 'reference', '--scenario', 'forced-kill', '--quick', '--bench', 'off'], 240_000);
    ok(r, 'gauntlet run forced-kill');
    for (const f of ['report.html', 'report.json', 'junit.xml', 'summary.md']) expect(existsSync(path.join(project, 'gauntlet-reports', f))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(project, 'gauntlet-reports', 'report.json'), 'utf8')) as { summary: { exitCode: number }; verdicts: Array<{ claim: string; verdict: string }> };
    expect(report.summary.exitCode).toBe(0);
    const verdict = (id: string) => report.verdicts.find((v) => v.claim === id)?.verdict;
    expect([verdict('host-never-crashes'), verdict('recovers-after-kill'), verdict('restart-same-vectors')]).toEqual(['pass', 'pass', 'pass']);
  }, 300_000);

  it('a bad config is refused naming the file and the field', async () => {
    writeFileSync(path.join(project, 'bad.config.mjs'), "export default { lanes: 'two' };\n");
    const r = await gauntlet(['run', '--config', 'bad.config.mjs', '--list']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(path.join(project, 'bad.config.mjs'));
    expect(r.stderr).toMatch(/lanes/);
  });
});

describe('examples/ from the installed package', () => {
  const examples = readdirSync(path.join(PACKAGE_ROOT, 'examples')).filter((f) => f.endsWith('.config.ts')).sort();

  it.each(examples)('%s imports from \'gauntlet\' and resolves (its adapter listed)', async (file) => {
    expect(readFileSync(path.join(PACKAGE_ROOT, 'examples', file), 'utf8')).toMatch(/from 'gauntlet'/);
    const r = ok(await gauntlet(['run', '--list', '--config', `examples/${file}`]), `run --list --config examples/${file}`);
    expect(r.stdout).toContain(file.replace(/\.config\.ts$/, ''));
  });

  it.runIf(onPath('python3'))('python-sidecar: the Python skeleton embeds through the installed gauntlet', async () => {
    const r = ok(await gauntlet(['embed', '--config', 'examples/python-sidecar.config.ts', '--adapter', 'python-sidecar', '--json', 'hello world']), 'embed python-sidecar');
    expect((JSON.parse(r.stdout) as { dims: number }).dims).toBe(64);
  }, 120_000);

  // Engines that are not on this machine: their configs are checked above; embedding through them needs the engine.
  // Engines gauntlet builds or installs itself (npx gauntlet engines build ...) are found in ~/.cache/gauntlet/engines.
  it.runIf(locateEngine('llama-server') !== undefined)('llama-server: embeds through the installed gauntlet (skipped when it is neither on PATH nor built: npx gauntlet engines build llama-server)', async () => {
    const r = ok(await gauntlet(['embed', '--config', 'examples/llama-server.config.ts', '--adapter', 'llama-server', '--json', 'hello world']), 'embed llama-server');
    expect((JSON.parse(r.stdout) as { dims: number }).dims).toBe(64);
  }, 180_000);
  it.runIf(locateTransformersJs() !== undefined)('transformers-js (engines.config.ts): embeds through the installed gauntlet (skipped when it is not installed: npx gauntlet engines build transformers-js)', async () => {
    const r = ok(await gauntlet(['embed', '--config', 'examples/engines.config.ts', '--adapter', 'transformers-js', '--json', 'hello world'], 180_000), 'embed transformers-js');
    expect((JSON.parse(r.stdout) as { dims: number }).dims).toBe(64);
  }, 240_000);
  it.runIf(onPath('ollama'))('ollama: embeds (skipped when there is no ollama on PATH)', async () => {
    ok(await gauntlet(['embed', '--config', 'examples/ollama.config.ts', '--adapter', 'ollama', '--json', 'hello world']), 'embed ollama');
  }, 180_000);
  it.runIf(onPath('text-embeddings-router'))('tei: embeds (skipped when there is no text-embeddings-router on PATH)', async () => {
    ok(await gauntlet(['embed', '--config', 'examples/tei.config.ts', '--adapter', 'tei', '--json', 'hello world']), 'embed tei');
  }, 300_000);
  it.runIf(existsSync('/path/to/my-embedder'))('rust-sidecar: embeds (skipped while its cwd /path/to/my-embedder is a placeholder for your build)', async () => {
    ok(await gauntlet(['embed', '--config', 'examples/rust-sidecar.config.ts', '--adapter', 'rust-sidecar', '--json', 'hello world']), 'embed rust-sidecar');
  });

  it('wrote nothing inside node_modules/gauntlet', () => {
    const after = snapshot(installed);
    const changed = [...after.keys()].filter((k) => after.get(k) !== before.get(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    expect({ changed, removed }).toEqual({ changed: [], removed: [] });
  });
});
