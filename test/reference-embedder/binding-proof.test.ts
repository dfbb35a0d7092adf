/**
 * The start-up path of the reference embedder's bundle: node-llama-cpp from the bundle's companion file, its binary
 * test forked from the bundled test child, and that test skipped only when a proof recorded by an earlier, tested
 * start still matches (binding-proof.ts).
 * Real bundled embedder processes, each with a cache folder of its own; vectors checked against the oracle.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOracle } from '../../harness/gguf/oracle.ts';
import { getCodec } from '../../harness/protocol/codec.ts';
import { DEFAULT_LIMITS, type Message, type Response } from '../../harness/protocol/messages.ts';
import { connectStreams } from '../../harness/transport/stream-connection.ts';
import { bundleEntry, companionName, testChildName } from '../../harness/util/bundle.ts';
import { tinyModel } from './helpers.ts';

const TEST_MS = 120_000;
const TEXT = 'local embedding cold start';
let dir = '';
let model = '';
let bundle = '';

beforeAll(async () => {
  ({ dir, model } = await tinyModel());
  bundle = bundleEntry('reference-embedder/main.ts') ?? '';
}, TEST_MS);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface StartResult { init: Response; embedding: Response; stderr: string; code: number | null }

/** One bundled embedder: initialize, embed TEXT, end stdin; resolves with its answers and its whole stderr. */
function startOnce(env: Record<string, string>, modelPath = model): Promise<StartResult> {
  const child = spawn(process.execPath, [bundle, '--transport', 'stdio', '--codec', 'msgpack'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const conn = connectStreams(child.stdout!, child.stdin!, getCodec('msgpack'), DEFAULT_LIMITS);
  const answers = new Map<number, Response>();
  return new Promise<StartResult>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no answers in 60 s; stderr:\n${stderr}`)); }, 60_000);
    conn.onMessage((m) => {
      answers.set(m.id, m as Response);
      if (m.id === 1 && m.type !== 'initialized') child.stdin!.end();
      if (m.id === 1 && m.type === 'initialized') conn.send({ v: 1, id: 2, type: 'embed', text: TEXT } as Message);
      if (m.id === 2) child.stdin!.end();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ init: answers.get(1)!, embedding: answers.get(2)!, stderr, code });
    });
    conn.send({ v: 1, id: 1, type: 'initialize', modelPath } as Message);
  });
}

const vectorOf = (r: Response): Float32Array => {
  if (r?.type !== 'embedding') throw new Error(`expected an embedding, got ${JSON.stringify(r)}`);
  return r.vector;
};
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return dot / Math.sqrt(na * nb);
};
const proofFiles = (cache: string) => {
  const d = path.join(cache, 'runtime-proofs');
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f)) : [];
};

describe.skipIf(process.platform !== 'linux')('reference embedder start-up: companion bundle and binary proof', () => {
  it('tests the binary on the first start and records a proof; the next start skips the test; same vectors, the oracle\'s', async () => {
    expect(bundle).toMatch(/\.mjs$/);
    expect(fs.existsSync(path.join(path.dirname(bundle), companionName()))).toBe(true);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-proof-'));
    try {
      const first = await startOnce({ GAUNTLET_CACHE: cache });
      expect(first.stderr).toMatch(/runtime: bundled node-llama-cpp [\d.]+ .* getLlama \(binary test included\) took \d+ ms; proof recorded in /);
      // node-llama-cpp's test really ran (its test module knew itself; else it warns and assumes the binary loads)
      expect(first.stderr).not.toMatch(/is not independent/);
      expect(fs.existsSync(path.join(path.dirname(bundle), testChildName()))).toBe(true);
      expect(proofFiles(cache)).toHaveLength(1);
      const proof = JSON.parse(fs.readFileSync(proofFiles(cache)[0]!, 'utf8')) as { bindingPath: string };
      expect(path.basename(proof.bindingPath)).toBe('llama-addon.node');

      const second = await startOnce({ GAUNTLET_CACHE: cache });
      expect(second.stderr).toMatch(/runtime: bundled node-llama-cpp .* loaded directly in \d+ ms \(its binary test passed at /);
      expect(second.stderr).not.toMatch(/getLlama \(binary test included\)/);

      const a = vectorOf(first.embedding);
      const b = vectorOf(second.embedding);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true); // bit-identical either way
      const oracle = await loadOracle(model);
      expect(cosine(a, oracle.embed(TEXT))).toBeGreaterThan(0.9999);
      expect(first.code).toBe(0);
      expect(second.code).toBe(0);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, TEST_MS);

  it('a proof that no longer matches, or a NODE_LLAMA_CPP_* variable, sends the start back through getLlama\'s test', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-proof-'));
    try {
      await startOnce({ GAUNTLET_CACHE: cache });
      const [file] = proofFiles(cache);
      const proof = JSON.parse(fs.readFileSync(file!, 'utf8')) as { signature: string };
      // As if a file beside the binary changed: another first digit (a fixed '0' left 1 signature in 16 unchanged).
      fs.writeFileSync(file!, JSON.stringify({ ...proof, signature: `${proof.signature[0] === '0' ? '1' : '0'}${proof.signature.slice(1)}` }));
      const stale = await startOnce({ GAUNTLET_CACHE: cache });
      expect(stale.stderr).toMatch(/getLlama \(binary test included\) took \d+ ms; proof recorded/);
      expect(JSON.parse(fs.readFileSync(file!, 'utf8')).signature).toBe(proof.signature); // re-recorded by the tested start

      const withEnv = await startOnce({ GAUNTLET_CACHE: cache, NODE_LLAMA_CPP_LOG_LEVEL: 'warn' });
      expect(withEnv.stderr).toMatch(/getLlama \(binary test included\) took \d+ ms; no proof recorded \(not Linux, node-llama-cpp not found, or NODE_LLAMA_CPP_\* set\)/);
      expect(vectorOf(withEnv.embedding)).toEqual(vectorOf(stale.embedding));
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, TEST_MS);

  it('a corrupt model is still refused with a clear error on the proven (fast) path', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-proof-'));
    const bad = path.join(dir, 'bad-magic.gguf');
    const bytes = fs.readFileSync(model);
    bytes.write('XXXX', 0, 'latin1');
    fs.writeFileSync(bad, bytes);
    try {
      await startOnce({ GAUNTLET_CACHE: cache }); // records the proof
      const r = await startOnce({ GAUNTLET_CACHE: cache }, bad);
      expect(r.init).toMatchObject({ type: 'error', code: 'model-invalid', retryable: false });
      expect((r.init as { message: string }).message).toMatch(/refused by the GGUF check/);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, TEST_MS);
});
