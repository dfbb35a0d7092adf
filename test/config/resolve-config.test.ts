import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../harness/config/define-config.ts';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { loadConfig } from '../../harness/config/load-config.ts';
import { resolveAdapter, resolveConfig } from '../../harness/config/resolve-config.ts';
import type { ProcessAdapterConfig } from '../../harness/adapters/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';
import { shmLikelyAvailable } from '../../harness/transport/shm-native.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function errorOf(fn: () => unknown): GauntletError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GauntletError);
    return e as GauntletError;
  }
  throw new Error('expected an error');
}

describe('resolveConfig', () => {
  it('fills every default: tiny seed-1 model in the cache, six adapters (seven with shared memory), seeds limits', () => {
    const c = resolveConfig({}, { root: tmp });
    expect(Object.keys(c.adapters)).toEqual(['reference', 'reference-uds', 'reference-ndjson', 'reference-http', 'in-process', 'reference-standby',
      ...(shmLikelyAvailable().ok ? ['reference-shm'] : [])]);
    expect(c.model).toMatchObject({ kind: 'generated', preset: 'tiny', seed: 1, dtype: 'f32' });
    expect(c.model.path).toMatch(/models[/\\]tiny-seed1-f32\.gguf$/);
    expect(c.limits).toEqual({ maxFrameBytes: 65536, maxBatch: 10, requestTimeoutMs: 30000, startTimeoutMs: 15000 });
    expect(c.lanes).toBe(1);
    expect(c.threads).toBe(1);
    expect(c.reporters[0]).toEqual(['console', {}]);
  });

  it('names a generated model by its architecture and a pooling other than the architecture\'s own', () => {
    const q = resolveConfig({ model: { arch: 'qwen3' } }, { root: tmp });
    expect(q.model).toMatchObject({ kind: 'generated', arch: 'qwen3', pooling: 'last' });
    expect(q.model.path).toMatch(/models[/\\]qwen3-tiny-seed1-f32\.gguf$/);
    const cls = resolveConfig({ model: { pooling: 'cls', seed: 3 } }, { root: tmp });
    expect(cls.model.path).toMatch(/models[/\\]tiny-seed3-f32-cls\.gguf$/);
    expect(resolveConfig({ model: { arch: 'bert', pooling: 'mean' } }, { root: tmp }).model.path).toMatch(/models[/\\]tiny-seed1-f32\.gguf$/);
  });

  it('merges user adapters over the defaults and resolves relative paths from the root', () => {
    const c = resolveConfig(
      { model: 'm/x.gguf', adapters: { mine: { kind: 'http', baseUrl: 'http://127.0.0.1:9' } }, lanes: 2, cacheDir: 'cache' },
      { root: tmp },
    );
    expect(c.model).toEqual({ kind: 'file', path: path.join(tmp, 'm', 'x.gguf') });
    expect(c.cacheDir).toBe(path.join(tmp, 'cache'));
    expect(Object.keys(c.adapters)).toContain('mine');
    expect(Object.keys(c.adapters)).toContain('reference');
    const a = resolveAdapter(c, 'mine', '/models/y.gguf');
    expect(a).toMatchObject({ name: 'mine', model: '/models/y.gguf', lanes: 2, threads: 1, maxBatch: 10 });
  });

  it('runs a config file\'s adapters from its folder: relative cwd resolved there, no cwd = the folder; none without a file', () => {
    const file = path.join(tmp, 'sub', 'gauntlet.config.ts');
    const proc: ProcessAdapterConfig = { kind: 'process', command: ['python3', 'embedder.py'], transport: 'stdio', codec: 'ndjson' };
    const c = resolveConfig({ adapters: { a: proc, b: { ...proc, cwd: '../tools' }, c: { ...proc, cwd: '/opt/x' }, h: { kind: 'http', command: ['srv', '{port}'], freePort: true } } }, { configFile: file });
    const cwd = (n: string) => (c.adapters[n] as { cwd?: string }).cwd;
    expect([cwd('a'), cwd('b'), cwd('c'), cwd('h')]).toEqual([path.join(tmp, 'sub'), path.join(tmp, 'tools'), '/opt/x', path.join(tmp, 'sub')]);
    expect((c.adapters.reference as { cwd?: string }).cwd).toBeUndefined();
    expect((resolveConfig({ adapters: { a: proc } }, { root: tmp }).adapters.a as { cwd?: string }).cwd).toBeUndefined();
  });

  it.each([
    [{ adapters: { rust: { kind: 'process', command: 'embed', transport: 'stdio', codec: 'msgpack' } } },
      'adapters.rust.command: expected a non-empty array, got "embed" (string)'],
    [{ adapters: { rust: { kind: 'process', command: [], transport: 'stdio', codec: 'msgpack' } } },
      'adapters.rust.command: expected a non-empty array, got [] (array)'],
    [{ adapters: { rust: { kind: 'proc', command: ['x'] } } }, 'adapters.rust.kind: expected "process", "in-process" or "http", got "proc" (string)'],
    [{ adapters: { web: { kind: 'http' } } }, 'adapters.web: expected baseUrl or command (or both)'],
    [{ adapters: { web: { kind: 'http', baseUrl: 'localhost' } } }, 'adapters.web.baseUrl: expected a URL such as http://127.0.0.1:8080, got "localhost" (string)'],
    [{ adapters: { r: { kind: 'process', command: ['x'], transport: 'tcp', codec: 'msgpack' } } }, 'adapters.r.transport: expected "stdio" or "uds", got "tcp" (string)'],
    [{ adapters: { ip: { kind: 'in-process', useMmap: 'no' } } }, 'adapters.ip.useMmap: expected true or false, got "no" (string)'],
    [{ adapters: { web: { kind: 'http', baseUrl: 'http://127.0.0.1:9', useMmap: false } } }, 'adapters.web: unknown key "useMmap"'],
    [{ lanes: 0 }, 'lanes: expected a positive integer, got 0 (number)'],
    [{ threads: '2' }, 'threads: expected a positive integer, got "2" (string)'],
    [{ limits: { maxBatch: 2.5 } }, 'limits.maxBatch: expected a positive integer, got 2.5 (number)'],
    [{ model: 42 }, 'model: expected a GGUF file path or { preset, seed, dtype, arch, pooling }, got 42 (number)'],
    [{ model: { arch: 'llama' } }, 'model.arch: expected "bert", "nomic-bert" or "qwen3", got "llama" (string)'],
    [{ model: { pooling: 'max' } }, 'model.pooling: expected "mean", "cls" or "last", got "max" (string)'],
    [{ lanse: 2 }, '(config): unknown key "lanse" = 2 (number)'],
    [{ reporters: ['pdf'] }, 'reporters.0: unknown reporter "pdf" (string); known: '],
    [{ defaultAdapters: ['nope'] }, 'defaultAdapters: unknown adapter "nope" (string); known: reference, '],
  ])('rejects %j with a message that quotes the bad value', (input, message) => {
    const err = errorOf(() => resolveConfig(input as never, { root: tmp }));
    expect(err.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(err.message).toContain(message);
  });

  it('keeps an in-process adapter\'s useMmap (default: absent, i.e. mapped)', () => {
    const c = resolveConfig({ adapters: { 'no-mmap': { kind: 'in-process', useMmap: false } } }, { root: tmp });
    expect(c.adapters['no-mmap']).toEqual({ kind: 'in-process', useMmap: false });
    expect(c.adapters['in-process']).not.toHaveProperty('useMmap');
  });

  it('names the known adapters when asked for an unknown one', () => {
    const err = errorOf(() => resolveAdapter(resolveConfig({}), 'rust'));
    expect(err.code).toBe('GAUNTLET_USAGE');
    expect(err.message).toBe(`unknown adapter "rust"; known adapters: reference, reference-uds, reference-ndjson, reference-http, in-process, reference-standby${shmLikelyAvailable().ok ? ', reference-shm' : ''}`);
  });
});

describe('loadConfig', () => {
  it('imports a TypeScript config file and resolves paths from its folder', async () => {
    const file = path.join(tmp, 'gauntlet.config.ts');
    const defineUrl = new URL('../../harness/config/define-config.ts', import.meta.url).href;
    writeFileSync(file, `import { defineConfig } from ${JSON.stringify(defineUrl)};\nconst n: number = 3;\nexport default defineConfig({ threads: n, model: 'here.gguf' });\n`);
    const c = await loadConfig(file);
    expect(c.threads).toBe(3);
    expect(c.model).toEqual({ kind: 'file', path: path.join(tmp, 'here.gguf') });
    expect(c.configFile).toBe(file);
  });

  it('reports a bad config file with its path', async () => {
    const file = path.join(tmp, 'bad.config.ts');
    writeFileSync(file, `export default { lanes: -1 };\n`);
    await expect(loadConfig(file)).rejects.toThrow(/invalid config in .*bad\.config\.ts:\n {2}lanes: expected a positive integer, got -1 \(number\)/);
    await expect(loadConfig(path.join(tmp, 'missing.ts'))).rejects.toThrow(/config file ".*missing\.ts" not found/);
  });

  it('defineConfig is the identity', () => {
    const c = { lanes: 2 };
    expect(defineConfig(c)).toBe(c);
  });
});

describe('ensureModel', () => {
  it('generates the tiny model once, atomically, even when called in parallel', async () => {
    const c = resolveConfig({ cacheDir: path.join(tmp, 'cache'), model: { seed: 7 } }, { root: tmp });
    const [a, b, d] = await Promise.all([ensureModel(c.model), ensureModel(c.model), ensureModel(c.model)]);
    expect(a).toBe(c.model.path);
    expect(b).toBe(a);
    expect(d).toBe(a);
    const dir = path.dirname(a);
    expect(readdirSync(dir)).toEqual(['tiny-seed7-f32.gguf']); // no temp files left behind
    const mtime = statSync(a).mtimeMs;
    await ensureModel(c.model);
    expect(statSync(a).mtimeMs).toBe(mtime); // reused, not rewritten
    expect(statSync(a).size).toBeGreaterThan(100_000);
  });

  it('refuses a model path that does not exist, saying what to do', async () => {
    await expect(ensureModel({ kind: 'file', path: path.join(tmp, 'nope.gguf') })).rejects.toThrow(/does not exist or is empty; give a GGUF file path/);
  });
});
