import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpAdapterConfig, ProcessAdapterConfig } from '../../harness/adapters/types.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import type { GauntletConfig } from '../../harness/config/types.ts';
import { splitCommand } from '../../harness/init/split-command.ts';
import { packagePath } from '../../harness/util/ts-runner.ts';

const execFileP = promisify(execFile);
const BIN = packagePath('bin', 'gauntlet.mjs');
const SIDECAR = packagePath('examples', 'python-sidecar', 'embedder.py');
const WORKFLOW = path.join('.github', 'workflows', 'gauntlet.yml');
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const HAS_PYYAML = HAS_PYTHON && spawnSync('python3', ['-c', 'import yaml']).status === 0;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A temporary project folder with a package.json (4-space indented, one script, as a user's might be). */
function project(pkg: Record<string, unknown> = { name: '@acme/my-embedder', version: '1.0.0', scripts: { test: 'vitest' } }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-init-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 4) + '\n');
  return dir;
}

interface Result { code: number; stdout: string; stderr: string }

async function gauntlet(cwd: string, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const pkgJson = (dir: string) => JSON.parse(read(dir, 'package.json')) as { name: string; scripts: Record<string, string> };

/** The written config through the vitest alias ('gauntlet' -> harness/index.ts), resolved as `gauntlet run` would. */
async function resolved(dir: string) {
  const file = path.join(dir, 'gauntlet.config.ts');
  const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: GauntletConfig };
  return resolveConfig(mod.default, { configFile: file });
}

/** The YAML as JSON, read by PyYAML (only when python3 has it: no YAML parser is a dependency of gauntlet). */
function yamlAsJson(file: string): unknown {
  const r = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('splitCommand (the --command value, split as a shell splits words)', () => {
  it.each([
    ['python3 embedder.py', ['python3', 'embedder.py']],
    ['  python3   embedder.py  ', ['python3', 'embedder.py']],
    [`python3 "my embedder.py" --name 'a b'`, ['python3', 'my embedder.py', '--name', 'a b']],
    ['./bin/emb --socket {socket} --max-batch {maxBatch}', ['./bin/emb', '--socket', '{socket}', '--max-batch', '{maxBatch}']],
    [String.raw`run a\ b "q\"x" ''`, ['run', 'a b', 'q"x', '']],
    ['echo $HOME ~ *', ['echo', '$HOME', '~', '*']],
  ])('%j -> %j', (text, words) => {
    expect(splitCommand('--command', text)).toEqual(words);
  });

  it.each([[`python3 'embedder.py`, "unterminated ' quote"], ['   ', 'expected a command']])('%j is refused', (text, why) => {
    expect(() => splitCommand('--command', text)).toThrow(why);
  });
});

describe('gauntlet init (a real process in a temporary project)', () => {
  it('--kind process --command "python3 embedder.py": writes the config, the script and the workflow', async () => {
    const dir = project();
    const r = await gauntlet(dir, 'init', '--kind', 'process', '--command', 'python3 embedder.py');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote +gauntlet\.config\.ts: adapter "my-embedder" \(process\)$/m);
    expect(r.stdout).toMatch(/^wrote +package\.json: script "gauntlet"/m);
    expect(r.stdout).toMatch(/^wrote +\.github\/workflows\/gauntlet\.yml/m);
    expect(r.stdout).toContain('npm install -D gauntlet');

    const config = read(dir, 'gauntlet.config.ts');
    expect(config).toContain(`import { defineConfig } from 'gauntlet';`);
    expect(config).toContain(`command: ['python3', 'embedder.py'],`);
    expect(config).toContain(`defaultAdapters: ['my-embedder'],`);
    expect(config).toContain(`defaultAdapters: ['my-embedder', 'reference'],`); // the commented way to compare
    expect(config).not.toMatch(/^\s*'embeddings-match-reference': false/m); // the skeleton's correctness claim stays

    // The rest of package.json is kept, with its 4-space indentation and final newline.
    const pkg = pkgJson(dir);
    expect(pkg.scripts).toEqual({ test: 'vitest', gauntlet: 'gauntlet run --quick' });
    expect(read(dir, 'package.json')).toMatch(/^ {4}"name"/m);
    expect(read(dir, 'package.json').endsWith('}\n')).toBe(true);

    const workflow = read(dir, WORKFLOW);
    for (const s of ['actions/checkout@v4', 'actions/setup-node@v4', 'node-version: 20', 'npm ci', 'path: ~/.cache/gauntlet',
      'npx gauntlet run --quick', 'actions/upload-artifact@v4', 'path: reports/gauntlet/', 'reports/gauntlet/summary.md >> "$GITHUB_STEP_SUMMARY"']) {
      expect(workflow).toContain(s);
    }

    // The config resolves: the adapter is as asked, spawned from the project folder, and the only default one.
    const c = await resolved(dir);
    const a = c.adapters['my-embedder'] as ProcessAdapterConfig;
    expect(a).toMatchObject({ kind: 'process', command: ['python3', 'embedder.py'], transport: 'stdio', codec: 'ndjson' });
    expect(path.resolve(a.cwd!)).toBe(path.resolve(dir));
    expect(c.defaultAdapters).toEqual(['my-embedder']);
    expect(c.outDir).toBe(path.join(dir, 'reports', 'gauntlet'));
    expect(c.bench).toBe('off');
    expect(c.reporters.map(([n]) => n)).toContain('markdown');

    // And the CLI loads it as a user's run would, with the bare 'gauntlet' import.
    const list = await gauntlet(dir, 'run', '--list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^adapters: .*\bmy-embedder\b/m);
  });

  it.skipIf(!HAS_PYYAML)('the workflow it writes is valid YAML with the steps in order (PyYAML)', async () => {
    const dir = project();
    expect((await gauntlet(dir, 'init', '--command', 'python3 embedder.py')).code).toBe(0);
    const wf = yamlAsJson(path.join(dir, WORKFLOW)) as { jobs: Record<string, { steps: { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[] }> };
    const steps = wf.jobs.gauntlet!.steps;
    const order = steps.map((s) => s.uses ?? s.run ?? '');
    const at = (p: string) => order.findIndex((s) => s.includes(p));
    expect(at('actions/checkout')).toBe(0);
    expect(at('setup-node')).toBeLessThan(at('npm ci'));
    expect(at('npm ci')).toBeLessThan(at('npx gauntlet run --quick'));
    expect(at('actions/cache')).toBeLessThan(at('npx gauntlet run --quick'));
    expect(at('npx gauntlet run --quick')).toBeLessThan(at('upload-artifact'));
    expect(steps[at('actions/cache')]!.with!.path).toBe('~/.cache/gauntlet');
    expect(steps[at('upload-artifact')]!.if).toBe('always()');
    expect(steps[at('GITHUB_STEP_SUMMARY')]!.if).toBe('always()');
  });

  it.skipIf(!HAS_PYTHON)('the written config drives the Python skeleton copied into the project (one real embedding)', async () => {
    const dir = project({ name: 'py-sidecar', version: '0.0.0' });
    copyFileSync(SIDECAR, path.join(dir, 'embedder.py'));
    expect((await gauntlet(dir, 'init', '--kind', 'process', '--command', 'python3 embedder.py')).code).toBe(0);
    const r = await gauntlet(dir, 'embed', '--adapter', 'py-sidecar', '--json', 'hello world');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { adapter: string; dims: number; vectors: number[][] };
    expect(out).toMatchObject({ adapter: 'py-sidecar', dims: 64 });
    expect(out.vectors[0]).toHaveLength(64);
  });

  it('keeps existing files and script without --force, overwrites them with it', async () => {
    const dir = project({ name: 'x', scripts: { gauntlet: 'gauntlet run --adapter mine' } });
    writeFileSync(path.join(dir, 'gauntlet.config.ts'), '// mine\n');
    expect((await gauntlet(dir, 'init', '--command', 'python3 embedder.py')).code).toBe(0); // writes the workflow
    writeFileSync(path.join(dir, WORKFLOW), '# my workflow\n');

    const kept = await gauntlet(dir, 'init', '--command', 'python3 other.py');
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(/^kept +gauntlet\.config\.ts: .*--force overwrites it/m);
    expect(kept.stdout).toMatch(/^kept +package\.json: /m);
    expect(kept.stdout).toMatch(/^kept +\.github\/workflows\/gauntlet\.yml: /m);
    expect(read(dir, 'gauntlet.config.ts')).toBe('// mine\n');
    expect(read(dir, WORKFLOW)).toBe('# my workflow\n');
    expect(pkgJson(dir).scripts.gauntlet).toBe('gauntlet run --adapter mine');

    const forced = await gauntlet(dir, 'init', '--command', 'python3 other.py', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^overwrote gauntlet\.config\.ts/m);
    expect(forced.stdout).toMatch(/^overwrote package\.json/m);
    expect(forced.stdout).toMatch(/^overwrote \.github\/workflows\/gauntlet\.yml/m);
    expect(read(dir, 'gauntlet.config.ts')).toContain(`command: ['python3', 'other.py'],`);
    expect(read(dir, WORKFLOW)).toContain('npx gauntlet run --quick');
    expect(pkgJson(dir).scripts.gauntlet).toBe('gauntlet run --quick');

    const again = await gauntlet(dir, 'init', '--command', 'python3 other.py');
    expect(again.stdout.match(/^unchanged /gm)).toHaveLength(3);
  });

  it('--kind http --url: an external server, the correctness claim dropped, --kind inferred from --url', async () => {
    const dir = project({ name: 'srv' });
    const r = await gauntlet(dir, 'init', '--url', 'http://127.0.0.1:11434/', '--name', 'ollama');
    expect(r.code, r.stderr).toBe(0);
    const config = read(dir, 'gauntlet.config.ts');
    expect(config).not.toContain('import.meta.url'); // no command: nothing is spawned from this folder
    const c = await resolved(dir);
    expect(c.adapters.ollama).toMatchObject({ kind: 'http', baseUrl: 'http://127.0.0.1:11434' });
    expect((c.adapters.ollama as HttpAdapterConfig).command).toBeUndefined();
    expect(c.claims).toEqual({ 'embeddings-match-reference': false });
    expect(c.defaultAdapters).toEqual(['ollama']);
  });

  it('--kind http --command with {port}: a server the host starts on a free port it picks (freePort: true), no baseUrl', async () => {
    const dir = project({ name: 'srv' });
    const r = await gauntlet(dir, 'init', '--kind', 'http', '--command', 'python3 server.py --port {port} -m {model}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('warning');
    const c = await resolved(dir);
    const a = c.adapters.srv as HttpAdapterConfig;
    expect(a).toMatchObject({ kind: 'http', freePort: true, command: ['python3', 'server.py', '--port', '{port}', '-m', '{model}'] });
    expect(a.baseUrl).toBeUndefined();
    expect(path.resolve(a.cwd!)).toBe(path.resolve(dir));
    expect(c.claims).toEqual({});
    expect(c.warnings).toEqual([]);
  });

  it('--kind http --command without {port} or --url: a comment, a warning from init and one each time the config loads', async () => {
    const dir = project({ name: 'srv' });
    const r = await gauntlet(dir, 'init', '--kind', 'http', '--command', 'python3 server.py -m {model}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: the command has no \{port\} and there is no --url/);
    const c = await resolved(dir);
    const a = c.adapters.srv as HttpAdapterConfig;
    expect(a.freePort).toBeUndefined();
    expect(a.baseUrl).toBeUndefined();
    expect(read(dir, 'gauntlet.config.ts')).toContain('{"ready": true, "port": N}');
    expect(c.warnings).toEqual([expect.stringMatching(/^adapters\.srv: the command has no \{port\} and there is no baseUrl.*freePort: true.*baseUrl/)]);
    // and `gauntlet run` prints it when it loads the config
    const list = await gauntlet(dir, 'run', '--list');
    expect(list.stderr).toMatch(/warning: adapters\.srv: the command has no \{port\}/);
  });

  it('--url only: baseUrl, and the claims that cannot apply to a server gauntlet does not start listed with the reason', async () => {
    const dir = project({ name: 'srv' });
    const r = await gauntlet(dir, 'init', '--url', 'http://127.0.0.1:11434');
    expect(r.code, r.stderr).toBe(0);
    const config = read(dir, 'gauntlet.config.ts');
    expect(config).toContain('Not applicable to a server gauntlet does not start');
    for (const id of ['recovers-after-kill', 'restart-under-5s', 'restart-limit-ends-in-clear-error']) expect(config).toContain(id);
    expect(config.replace(/\n\s*\/\/\s+/g, ' ')).toMatch(/recovers-after-kill, restart-under-5s,.*: an external http server \(baseUrl, no command\) is not the harness's to kill and restart/);
    // a process adapter's config lists none of them
    const dir2 = project({ name: 'p' });
    expect((await gauntlet(dir2, 'init', '--command', 'python3 e.py')).code).toBe(0);
    expect(read(dir2, 'gauntlet.config.ts')).not.toContain('Not applicable to');
  });

  it('a command with {socket} defaults to transport uds; --codec msgpack is taken', async () => {
    const dir = project({ name: 'rs' });
    const r = await gauntlet(dir, 'init', '--command', './target/release/emb --socket {socket}', '--codec', 'msgpack');
    expect(r.code, r.stderr).toBe(0);
    const c = await resolved(dir);
    expect(c.adapters.rs).toMatchObject({ kind: 'process', transport: 'uds', codec: 'msgpack', command: ['./target/release/emb', '--socket', '{socket}'] });
  });

  it.each([
    [['--kind', 'grpc', '--command', 'x'], '--kind: unknown value "grpc"; expected one of process, http'],
    [['--kind', 'process'], '--kind process needs --command'],
    [[], '--kind process needs --command'],
    [['--kind', 'http'], '--kind http needs --url'],
    [['--kind', 'http', '--url', 'ftp://example.com'], '--url: expected an http:// or https:// base URL such as http://127.0.0.1:8080, got "ftp://example.com"'],
    [['--url', 'localhost:8080'], 'got "localhost:8080"'],
    [['--url', 'not a url'], 'got "not a url"'],
    [['--kind', 'process', '--command', 'x', '--url', 'http://127.0.0.1:1'], 'a process adapter has no URL'],
    [['--command', `python3 'embedder.py`], `--command: unterminated ' quote in "python3 'embedder.py"`],
    [['--command', '  '], '--command: expected a command such as "python3 embedder.py", got "  "'],
    [['--command', 'x', '--transport', 'tcp'], '--transport: unknown value "tcp"; expected one of stdio, uds'],
    [['--command', 'x', '--codec', 'json'], '--codec: unknown value "json"; expected one of ndjson, msgpack'],
    [['--url', 'http://127.0.0.1:1', '--codec', 'msgpack'], '--codec msgpack: only a process adapter has one'],
    [['--command', 'x', '--name', 'reference'], '--name: "reference" is one of gauntlet\'s built-in adapters'],
    [['--command', 'x', '--name', 'my embedder'], 'got "my embedder"'],
    [['--command', 'x', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('init %j: exit 2, "%s", nothing written', async (args, message) => {
    const dir = project();
    const before = read(dir, 'package.json');
    const r = await gauntlet(dir, 'init', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(path.join(dir, 'gauntlet.config.ts'))).toBe(false);
    expect(existsSync(path.join(dir, '.github'))).toBe(false);
    expect(read(dir, 'package.json')).toBe(before);
  });

  it('without a package.json: exit 2, says so, writes nothing', async () => {
    const dir = project();
    rmSync(path.join(dir, 'package.json'));
    const r = await gauntlet(dir, 'init', '--command', 'python3 embedder.py');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no package.json in ${dir}`);
    expect(existsSync(path.join(dir, 'gauntlet.config.ts'))).toBe(false);
  });

  it('--help prints the usage and exits 0; gauntlet --help lists init', async () => {
    const dir = project();
    const r = await gauntlet(dir, 'init', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: gauntlet init [--kind process|http]');
    expect((await gauntlet(dir, '--help')).stdout).toMatch(/^ {2}init +set gauntlet up/m);
  });
});
