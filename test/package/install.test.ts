/**
 * The package round trip a user makes: `npm pack` in this checkout (prepack builds dist/), `npm install -D` of the
 * tarball into an empty project outside the repository (preferring the npm cache that `npm ci` filled). First lean,
 * as a user who tests only their own engine has it: node_modules under 60 MB, no node-llama-cpp, the reference
 * adapters absent and named with the command that adds them, and every `gauntlet init` shape run with `embed` and a
 * quick scenario against a small Python HTTP server (fixtures/server.py) and the Python protocol skeleton
 * (examples/python-sidecar/embedder.py). Then with node-llama-cpp added the documented way (`npm install -D
 * node-llama-cpp`): a TypeScript config importing 'gauntlet', an embedding that matches the oracle, a real scenario
 * run writing its reports into the project, every example config, and nothing written inside node_modules/gauntlet.
 * GAUNTLET_TARBALL=path reuses a tarball packed earlier.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { REFERENCE_INSTALL } from '../../harness/engines/node-llama-cpp.ts';
import { dependencyManifest } from '../../harness/util/ts-runner.ts';
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

/** The installed gauntlet's own bin, run with plain node (what `npx gauntlet` runs), in the project or a folder of it. */
function gauntlet(args: string[], timeoutMs = 120_000, cwd = project): Promise<Ran> {
  return sh(process.execPath, [path.join(project, 'node_modules', '.bin', 'gauntlet'), ...args], { timeoutMs, cwd });
}

/** Bytes under a folder (du's apparent size), symlinks not followed. */
function treeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(full);
    else if (e.isFile()) n += statSync(full).size;
  }
  return n;
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
let installSeconds = 0;
let leanBytes = 0;

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
  const t0 = performance.now();
  ok(await sh('npm', ['install', '-D', '--prefer-offline', '--no-audit', '--no-fund', tarball], { timeoutMs: 300_000 }), 'npm install -D <tarball> --prefer-offline');
  installSeconds = (performance.now() - t0) / 1000;
  leanBytes = treeBytes(path.join(project, 'node_modules'));
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

describe('npm publish --dry-run', () => {
  it('lists exactly the files of the packed tarball (what ships), with README and LICENSE', async () => {
    const pub = ok(await sh('npm', ['publish', '--dry-run', '--ignore-scripts', '--json'], { cwd: PACKAGE_ROOT, timeoutMs: 120_000 }), 'npm publish --dry-run');
    const listed = (JSON.parse(pub.stdout.slice(pub.stdout.indexOf('{'))) as { gauntlet: { files: Array<{ path: string }> } }).gauntlet.files.map((f) => f.path).sort();
    const tar = ok(await sh('tar', ['tzf', tarball]), 'tar tzf').stdout.split('\n').filter((l) => l && !l.endsWith('/')).map((l) => l.replace(/^package\//, '')).sort();
    expect(listed).toEqual(tar);
    expect(tar).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'bin/gauntlet.mjs', 'dist/vendor/onnx-proto.mjs']));
    const outside = tar.filter((f) => !/^(dist\/|harness\/native\/|bin\/gauntlet\.mjs$|package\.json$|README\.md$|LICENSE$)/.test(f));
    expect(outside).toEqual([]);
  }, 180_000);
});

describe('lean: installed without node-llama-cpp (a user who tests their own engine)', () => {
  const server = path.join(PACKAGE_ROOT, 'test', 'package', 'fixtures', 'server.py');
  const sidecar = path.join(PACKAGE_ROOT, 'examples', 'python-sidecar', 'embedder.py');
  const external: ChildProcess[] = [];
  afterAll(() => { for (const c of external) c.kill('SIGKILL'); });

  /** A folder of the project with its own package.json (init needs one); it resolves gauntlet from the project's node_modules. */
  function folder(name: string, files: Record<string, string> = {}): string {
    const dir = path.join(project, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }, null, 2));
    for (const [to, from] of Object.entries(files)) cpSync(from, path.join(dir, to));
    return dir;
  }

  /** Runs `init ARGS`, `embed --adapter NAME`, and `run --quick --scenario S`; returns the report's verdicts for NAME. */
  async function initShape(dir: string, name: string, initArgs: string[], scenario: string) {
    const init = ok(await gauntlet(['init', ...initArgs], 60_000, dir), `init ${initArgs.join(' ')}`);
    const embed = ok(await gauntlet(['embed', '--adapter', name, '--json', 'hello world'], 120_000, dir), `embed --adapter ${name}`);
    expect((JSON.parse(embed.stdout) as { dims: number }).dims).toBeGreaterThan(0);
    const run = await gauntlet(['run', '--quick', '--bench', 'off', '--scenario', scenario], 300_000, dir);
    const report = JSON.parse(readFileSync(path.join(dir, 'reports', 'gauntlet', 'report.json'), 'utf8')) as { summary: { exitCode: number }; verdicts: Array<{ claim: string; adapter: string; verdict: string; reason?: string }> };
    expect(report.summary.exitCode, `run --scenario ${scenario}: ${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`).toBe(run.status);
    const verdict = (id: string) => report.verdicts.find((v) => v.claim === id && v.adapter === name);
    return { init, embed, run, report, verdict };
  }

  it(`node_modules is at most 60 MB and holds no node-llama-cpp (measured: see the console)`, () => {
    process.stderr.write(`install test: npm install -D <tarball> took ${installSeconds.toFixed(1)} s; node_modules ${(leanBytes / 1e6).toFixed(1)} MB\n`);
    expect(leanBytes).toBeLessThanOrEqual(60e6);
    expect(existsSync(path.join(project, 'node_modules', 'node-llama-cpp'))).toBe(false);
    expect(existsSync(path.join(project, 'node_modules', '@node-llama-cpp'))).toBe(false);
    expect(existsSync(path.join(project, 'node_modules', 'protobufjs'))).toBe(false);
    const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }>; dependencies: Record<string, string> };
    expect(pkg.peerDependenciesMeta['node-llama-cpp']).toEqual({ optional: true });
    expect(Object.keys(pkg.dependencies)).not.toContain('node-llama-cpp');
  });

  it('the reference adapters are absent; asking for one names the command that adds them', async () => {
    const list = ok(await gauntlet(['run', '--list']), 'run --list');
    expect(list.stdout).toMatch(/^adapters: \(none\): .*needs node-llama-cpp, an optional peer dependency of gauntlet that is not installed; add it with: npm install -D node-llama-cpp/m);
    const embed = await gauntlet(['embed', '--adapter', 'reference', 'hi']);
    expect(embed.status).toBe(2);
    expect(embed.stderr).toContain(`adapter "reference" is not available: it needs node-llama-cpp, an optional peer dependency of gauntlet that is not installed; add it with: ${REFERENCE_INSTALL}`);
    const selfcheck = await gauntlet(['selfcheck', '--quick']);
    expect(selfcheck.status).toBe(2);
    expect(selfcheck.stderr).toContain(REFERENCE_INSTALL);
  });

  it.runIf(onPath('python3'))('init --kind http --command with {port}: freePort: true; embed and forced-kill work at once', async () => {
    const dir = folder('http-port', { 'server.py': server });
    const r = await initShape(dir, 'http-port', ['--kind', 'http', '--command', 'python3 server.py --model {model} --port {port}'], 'forced-kill');
    expect(readFileSync(path.join(dir, 'gauntlet.config.ts'), 'utf8')).toMatch(/^ {6}freePort: true,$/m);
    expect(r.run.stderr).not.toMatch(/warning/);
    expect([r.verdict('host-never-crashes')?.verdict, r.verdict('recovers-after-kill')?.verdict, r.verdict('restart-same-vectors')?.verdict]).toEqual(['pass', 'pass', 'pass']);
    // a server that hashes texts cannot match the oracle: the one required claim this init shape keeps and it fails
    expect(r.verdict('embeddings-match-reference')?.verdict).toBe('fail');
  }, 600_000);

  it.runIf(onPath('python3'))('init --kind http --command without {port}: a warning; a server that prints the ready line works', async () => {
    const dir = folder('http-ready-line', { 'server.py': server });
    const r = await initShape(dir, 'http-ready-line', ['--kind', 'http', '--command', 'python3 server.py --model {model} --ready-line'], 'latency');
    expect(r.init.stdout).toMatch(/warning: the command has no \{port\} and there is no --url/);
    expect(r.embed.stderr).toMatch(/warning: adapters\.http-ready-line: the command has no \{port\} and there is no baseUrl/);
    expect(r.verdict('host-never-crashes')?.verdict).toBe('pass');
  }, 600_000);

  it.runIf(onPath('python3'))('init --url (a server you run): baseUrl; claims that need a server gauntlet starts are not applicable', async () => {
    const dir = folder('http-url', { 'server.py': server });
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const child = spawn('python3', [server, '--port', String(port)], { stdio: ['pipe', 'ignore', 'ignore'] });
    external.push(child);
    const r = await initShape(dir, 'http-url', ['--url', `http://127.0.0.1:${port}`], 'forced-kill');
    expect(readFileSync(path.join(dir, 'gauntlet.config.ts'), 'utf8')).toContain('Not applicable to a server gauntlet does not start');
    expect(r.verdict('recovers-after-kill')).toMatchObject({ verdict: 'not-applicable', reason: expect.stringMatching(/not the harness's to kill and restart/) });
    expect(r.report.summary.exitCode).toBe(0);
    child.kill('SIGKILL');
  }, 600_000);

  it.runIf(onPath('python3'))('init --kind process --command "python3 embedder.py": embed and forced-kill through the Python protocol skeleton', async () => {
    const dir = folder('process', { 'embedder.py': sidecar });
    const r = await initShape(dir, 'process', ['--kind', 'process', '--command', 'python3 embedder.py'], 'forced-kill');
    expect([r.verdict('host-never-crashes')?.verdict, r.verdict('recovers-after-kill')?.verdict]).toEqual(['pass', 'pass']);
  }, 600_000);
});

describe('with node-llama-cpp added the documented way (npm install -D node-llama-cpp)', () => {
  beforeAll(async () => {
    // The version this checkout runs (the one the bundled companion was built from); `npm install -D node-llama-cpp`
    // in the README takes the newest 3.x, which works too (the embedder then imports the installed package).
    const version = dependencyManifest('node-llama-cpp')!.version!;
    ok(await sh('npm', ['install', '-D', '--prefer-offline', '--no-audit', '--no-fund', `node-llama-cpp@${version}`], { timeoutMs: 600_000 }), 'npm install -D node-llama-cpp');
  }, 660_000);

  it('the reference adapters are back in the defaults', async () => {
    const list = ok(await gauntlet(['run', '--list']), 'run --list');
    expect(list.stdout).toMatch(/^adapters: reference, reference-uds, reference-ndjson, reference-http, in-process, reference-standby/m);
  });

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
