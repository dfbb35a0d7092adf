/**
 * Child process of probeWithLlama(): loads one model with node-llama-cpp, embeds the texts it is sent over IPC
 * and answers over IPC. Anything native that goes wrong (SIGABRT, SIGSEGV) kills only this process.
 * llama.cpp's log lines go to stderr (the parent keeps the tail) and, from warn up, into the answer: a failed
 * load rejects with a bare "Failed to load model" and the real reason arrives ~100 ms later through the logger.
 */
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import type { ProbeChildRequest, ProbeChildReply } from './llama-probe.ts';

const LOG_SETTLE_MS = 300;
const errors: string[] = [];
const warnings: string[] = [];

function send(reply: ProbeChildReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(reply, undefined, {}, () => resolve());
  });
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function settledLogs(): Promise<string> {
  await new Promise((r) => setTimeout(r, LOG_SETTLE_MS));
  return (errors.length > 0 ? errors : warnings).join('\n');
}

async function handle(req: ProbeChildRequest): Promise<void> {
  let model;
  try {
    const llama = await getLlama({
      gpu: false,
      build: 'never',
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const line = message.trimEnd();
        process.stderr.write(`[${level}] ${line}\n`);
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) errors.push(line);
        else if (level === LlamaLogLevel.warn) warnings.push(line);
      },
    });
    model = await llama.loadModel({ modelPath: req.modelPath });
  } catch (e) {
    const logs = await settledLogs();
    await send({ type: 'load-error', message: logs ? `${errMessage(e)}: ${logs}` : errMessage(e) });
    return;
  }
  const contextSize = req.contextSize ?? model.trainContextSize;
  await send({ type: 'loaded', dims: model.embeddingVectorSize, contextSize });
  const vectors: number[][] = [];
  const tokens: number[][] = [];
  try {
    const ctx = await model.createEmbeddingContext({ contextSize, threads: req.threads ?? 1 });
    for (const text of req.texts) {
      if (req.tokenize) tokens.push(model.tokenize(text));
      const { vector } = await ctx.getEmbeddingFor(text);
      vectors.push(Array.from(vector));
    }
    await ctx.dispose();
  } catch (e) {
    const logs = await settledLogs();
    await send({ type: 'embed-error', message: logs ? `${errMessage(e)}: ${logs}` : errMessage(e), vectors, tokens });
    return;
  }
  await send({ type: 'embedded', vectors, tokens: req.tokenize ? tokens : undefined });
  await model.dispose();
}

// The parent gone means nobody wants the answer: exit rather than linger as an orphan.
process.on('disconnect', () => process.exit(0));
process.once('message', (req: ProbeChildRequest) => {
  handle(req)
    .catch(async (e) => {
      await send({ type: 'embed-error', message: `probe child failed: ${errMessage(e)}`, vectors: [] });
    })
    .finally(() => process.exit(0));
});
