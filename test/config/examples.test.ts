/**
 * Every config under examples/ (the ones docs/adapters.md quotes) loads through the real loader, passes the zod
 * schema and the claims overrides check, and says what the docs say it does. The Python protocol skeleton is
 * also driven end to end through `gauntlet embed`, so the process-adapter example is known to work.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsForConfig } from '../../harness/claims/index.ts';
import { importConfig, loadConfig } from '../../harness/config/load-config.ts';
import { resolveAdapter } from '../../harness/config/resolve-config.ts';
import type { HttpAdapterConfig, ProcessAdapterConfig } from '../../harness/adapters/types.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

const EXAMPLES = path.join(PACKAGE_ROOT, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.config.ts')).sort();
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('examples/*.config.ts', () => {
  it('are the five documented examples, and engines.config.ts', () => {
    expect(files).toEqual(['engines.config.ts', 'llama-server.config.ts', 'ollama.config.ts', 'python-sidecar.config.ts', 'rust-sidecar.config.ts', 'tei.config.ts']);
  });

  // engines.config.ts puts several engines side by side (test/engines/transformers-js.test.ts checks it)
  it.each(files.filter((f) => f !== 'engines.config.ts'))('%s resolves (schema, defaults, claim overrides) and names its own adapter first', async (file) => {
    const abs = path.join(EXAMPLES, file);
    const raw = await importConfig(abs);
    const config = await loadConfig(abs);
    expect(config.configFile).toBe(abs);
    const own = Object.keys(raw.adapters ?? {});
    expect(own.length).toBe(1);
    expect(config.defaultAdapters[0]).toBe(own[0]);
    // The defaults stay available next to the example's adapter, for side-by-side runs.
    expect(Object.keys(config.adapters)).toEqual(expect.arrayContaining(['reference', 'reference-http', own[0]]));
    expect(claimsForConfig(config.claims).length).toBeGreaterThan(50);
    const resolved = resolveAdapter(config, own[0]);
    expect(resolved.maxBatch).toBe(10);
    expect(resolved.requestTimeoutMs).toBe(30_000);
    // The docs link every example by file name.
    expect(readFileSync(path.join(PACKAGE_ROOT, 'docs', 'adapters.md'), 'utf8')).toContain(`examples/${file}`);
  });

  it('http examples: a free or fixed port wherever the harness starts a server that prints no ready line, readiness where /health is missing', async () => {
    const http = async (f: string) => Object.values((await importConfig(path.join(EXAMPLES, f))).adapters ?? {})[0] as HttpAdapterConfig;
    const llama = await http('llama-server.config.ts');
    expect(llama.kind).toBe('http');
    expect(llama.command).toEqual(expect.arrayContaining(['--embeddings', '{model}', '{port}']));
    // llama-server prints no ready line: the harness picks a free port per start instead of a fixed one.
    expect(llama.freePort).toBe(true);
    expect(llama.baseUrl).toBeUndefined();
    const ollama = await http('ollama.config.ts');
    expect(ollama.command).toBeUndefined();
    expect(ollama.readyUrl).toMatch(/\/api\/version$/);
    expect(ollama.modelName).toBe('nomic-embed-text');
    const tei = await http('tei.config.ts');
    expect(tei.command?.[0]).toBe('text-embeddings-router');
    expect(new URL(tei.baseUrl!).port).not.toBe('');
  });

  it('process examples: stdio + ndjson for the Python skeleton, uds + msgpack with {socket} for the Rust one', async () => {
    const proc = async (f: string) => Object.values((await importConfig(path.join(EXAMPLES, f))).adapters ?? {})[0] as ProcessAdapterConfig;
    const py = await proc('python-sidecar.config.ts');
    expect([py.transport, py.codec]).toEqual(['stdio', 'ndjson']);
    expect(py.command[1]).toBe('python-sidecar/embedder.py');
    expect((await loadConfig(path.join(EXAMPLES, 'python-sidecar.config.ts'))).adapters['python-sidecar']).toMatchObject({ cwd: EXAMPLES });
    const rust = await proc('rust-sidecar.config.ts');
    expect([rust.transport, rust.codec]).toEqual(['uds', 'msgpack']);
    expect(rust.command).toContain('{socket}');
  });

  it('a broken copy of an example is refused with the path and the bad value', async () => {
    const { resolveConfig } = await import('../../harness/config/resolve-config.ts');
    const raw = await importConfig(path.join(EXAMPLES, 'rust-sidecar.config.ts'));
    const broken = { ...raw, adapters: { 'rust-sidecar': { ...raw.adapters!['rust-sidecar'], transport: 'tcp' } } };
    expect(() => resolveConfig(broken as never)).toThrow(/adapters\.rust-sidecar\.transport/);
  });
});

describe.runIf(hasPython)('examples/python-sidecar (protocol skeleton, real process)', () => {
  it('embeds through `gauntlet embed`: 64 dims, deterministic, batch order kept', () => {
    const run = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'gauntlet.mjs'), 'embed', '--config', path.join(EXAMPLES, 'python-sidecar.config.ts'),
      '--adapter', 'python-sidecar', '--json', 'hello world', 'second text', 'hello world'], { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { adapter: string; dims: number; vectors: number[][] };
    expect(out.adapter).toBe('python-sidecar');
    expect(out.dims).toBe(64);
    expect(out.vectors).toHaveLength(3);
    expect(out.vectors[0]).toEqual(out.vectors[2]);
    expect(out.vectors[0]).not.toEqual(out.vectors[1]);
  }, 90_000);
});
