/**
 * A bare Node process standing in for a host that runs the in-process adapter: it loads model files with
 * node-llama-cpp exactly as harness/adapters/in-process.ts does (getLlama gpu:false build:'never', loadModel with
 * defaults, an embedding context capped at the model's context length with explicit threads, one embedding), one
 * file per IPC request, reusing one Llama so that a file costs milliseconds instead of a process start.
 * A file that aborts llama.cpp kills this process, as it would kill the host: the parent records the signal.
 */
import type { Llama } from 'node-llama-cpp';

export interface InProcessProbeRequest { id: number; modelPath: string; text: string; threads: number; contextSize?: number; engine?: 'llama' | 'onnx' }
export type InProcessProbeReply =
  | { id: number; type: 'ready' }
  | { id: number; type: 'loading' }
  | { id: number; type: 'model-loaded' }
  | { id: number; type: 'loaded'; dims: number; finite: boolean; vector?: number[] }
  | { id: number; type: 'load-error'; message: string; logs: string }
  | { id: number; type: 'embed-error'; message: string; logs: string };

const errors: string[] = [];
let llama: Promise<Llama> | undefined;

function lib(): Promise<Llama> {
  // node-llama-cpp started as the in-process adapter starts it (the reference embedder's runtime loader).
  return (llama ??= import('../../reference-embedder/engine.ts').then(({ nodeLlamaRuntime }) => nodeLlamaRuntime((line) => {
    const m = /^llama\.cpp (error|fatal): (.*)$/s.exec(line);
    if (m) errors.push(m[2]!);
  })));
}

function send(m: InProcessProbeReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

/**
 * llama.cpp's reason for a failed load arrives on its log after the rejection: wait for it, up to 150 ms, but return
 * once lines have come and 15 ms passed without another (most loads: a few ms instead of a fixed 150 ms each).
 */
async function settledLogs(): Promise<string> {
  const t0 = performance.now();
  let seen = errors.length;
  let quietSince = performance.now();
  while (performance.now() - t0 < 150) {
    await new Promise((r) => setTimeout(r, 5));
    if (errors.length !== seen) { seen = errors.length; quietSince = performance.now(); }
    else if (seen > 0 && performance.now() - quietSince >= 15) break;
  }
  return errors.splice(0).join(' | ');
}

/**
 * The onnx engine, as harness/adapters/in-process-onnx.ts loads it (no GGUF check: the export reads the file as it is,
 * then transformers.js loads the export); the vector goes back so that an engine-specific file that loaded can be
 * judged against the oracle.
 */
async function handleOnnx(req: InProcessProbeRequest): Promise<void> {
  const { OnnxEngine } = await import('../../reference-embedder/engine-onnx.ts');
  await send({ id: req.id, type: 'loading' });
  let engine;
  try {
    engine = await OnnxEngine.load({ modelPath: req.modelPath, lanes: 1, threads: req.threads, contextSize: req.contextSize, checkGguf: false, log: () => {} });
  } catch (e) {
    await send({ id: req.id, type: 'load-error', message: (e as Error).message, logs: '' });
    return;
  }
  await send({ id: req.id, type: 'model-loaded' });
  try {
    const v = await engine.embed(req.text);
    await send({ id: req.id, type: 'loaded', dims: v.length, finite: v.every((x) => Number.isFinite(x)), vector: Array.from(v) });
  } catch (e) {
    await send({ id: req.id, type: 'embed-error', message: (e as Error).message, logs: '' });
  } finally {
    await engine.dispose().catch(() => {});
  }
}

async function handle(req: InProcessProbeRequest): Promise<void> {
  if (req.engine === 'onnx') return handleOnnx(req);
  const l = await lib();
  errors.length = 0;
  await send({ id: req.id, type: 'loading' });
  let model;
  try {
    model = await l.loadModel({ modelPath: req.modelPath });
  } catch (e) {
    await send({ id: req.id, type: 'load-error', message: (e as Error).message, logs: await settledLogs() });
    return;
  }
  await send({ id: req.id, type: 'model-loaded' });
  try {
    const trained = model.trainContextSize;
    const ctx = await model.createEmbeddingContext({ contextSize: Math.min(req.contextSize ?? trained, trained), threads: req.threads });
    const { vector } = await ctx.getEmbeddingFor(req.text);
    await ctx.dispose();
    await send({ id: req.id, type: 'loaded', dims: vector.length, finite: vector.every((x) => Number.isFinite(x)) });
  } catch (e) {
    await send({ id: req.id, type: 'embed-error', message: (e as Error).message, logs: await settledLogs() });
  } finally {
    await model.dispose().catch(() => {});
  }
}

process.on('disconnect', () => process.exit(0));
let chain = Promise.resolve();
process.on('message', (req: InProcessProbeRequest) => {
  chain = chain.then(() => handle(req)).catch(async (e) => {
    await send({ id: req.id, type: 'embed-error', message: `probe failed: ${(e as Error).message}`, logs: '' });
  });
});
void (async () => {
  // Warm the engine this child will use: node-llama-cpp's native library, or nothing for onnx (loaded per file).
  if (process.env.GAUNTLET_PROBE_ENGINE !== 'onnx') { try { await lib(); } catch { /* reported per request */ } }
  await send({ id: 0, type: 'ready' });
})();
