/**
 * memory-pressure:
 * 1. host growth over 100 and N requests: process.memoryUsage() of the host after a forced GC (heapUsed, rss);
 *    the embedder's anonymous RSS over the same requests (a leaking embedder shows here);
 * 2. a large generated model: where its pages land (RssAnon vs RssFile) in the process that holds it, and what
 *    loading it does to the host (heapUsed / external / rss deltas): the evidence for or against the thesis that
 *    a large GGUF in the Node process crashes V8;
 *    in-process, a second host with mmap off (`useMmap: false`): the weights copied into the host's anonymous
 *    memory, the literal case of seed 002's "a 100 MB+ tensor allocation crashes V8"; and a Node process that
 *    allocates and fills a 256 MB Float32Array, as a JS dequantiser would;
 * 3. process adapters: the embedder started under an RLIMIT_AS halfway between its address space before and after
 *    the large model's load: it must fail to load (or to start) while the host survives.
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import { embedRequired, recordMax, sampleTexts } from './support/measure.ts';
import { embedderLoad, hostLoad, httpServerLoad, jsAllocation, underAsLimit, type HostLoad, type LoadFigures } from './support/memory-pressure-large.ts';

const MB = 1e6;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${mb(n)}`;

export default defineScenario({
  id: 'memory-pressure',
  title: 'Memory: host growth over many requests, a large model, an embedder under a memory limit',
  claims: [
    'host-rss-under-100mb', 'host-heap-growth-under-10mb-per-100-embeds', 'host-heap-load-under-10mb', 'inprocess-load-working-memory-under-1mb',
    'embedder-working-set-under-50mb', 'embedder-load-working-set-under-1mb', 'embedder-load-heap-under-100kb', 'host-never-crashes',
    'thesis-inprocess-gguf-crashes-v8', 'thesis-large-allocation-crashes-v8', 'thesis-mmap-keeps-model-file-backed',
  ],
  // Its claims are memory figures of single processes (RSS, heap, file-backed share) and booleans, none timed: a
  // neighbouring run takes CPU, not this process's pages, so it may run beside another overlap run (runner lanes).
  overlap: true,
  quick: { requests: 400, largeModelBytes: 250e6, memoryLimit: true, jsAllocBytes: 256 * 2 ** 20 },
  full: { requests: 1000, largeModelBytes: 1e9, memoryLimit: true, jsAllocBytes: 256 * 2 ** 20 },
  timeoutMs: { quick: 180_000, full: 600_000 },
  async run(ctx) {
    await growth(ctx);
    const gen = await ctx.generateModel('memory-large', { sizeBytes: ctx.sizes.largeModelBytes, dtype: 'f32', seed: ctx.seed });
    ctx.metric('memory.model.bytes', gen.bytes);
    ctx.note(`large model: ${mb(gen.bytes)} (E ${gen.spec.embedding}, ${gen.spec.layers} layers, vocab ${gen.spec.vocab}, f32), generated from seed ${ctx.seed}`);
    const loadTimeout = Math.round(60_000 + gen.bytes / 5e6); // only bounds a stuck load: 250 MB loads in ~1 s

    const kind = ctx.adapter.config.kind;
    let direct: LoadFigures | undefined;
    if (kind === 'process') {
      direct = await embedderLoad(ctx, gen.path, loadTimeout);
      modelMetrics(ctx, direct.after.rssAnon - direct.before.rssAnon, direct.after.rssFile - direct.before.rssFile, gen.bytes, 'embedder');
      ctx.metric('embedder.rssAnon.loadDelta.max', direct.after.rssAnon - direct.before.rssAnon);
      ctx.metric('memoryPressure.large.loadMs', direct.loadMs);
      ctx.note(`embedder with the large model: RssAnon ${mb(direct.before.rssAnon)} -> ${mb(direct.after.rssAnon)}, RssFile ${mb(direct.before.rssFile)} -> ${mb(direct.after.rssFile)}, VmSize ${mb(direct.before.vmSize)} -> ${mb(direct.after.vmSize)} (load ${Math.round(direct.loadMs)} ms)`);
    }
    if (kind === 'http') {
      const server = await httpServerLoad(ctx, gen.path, loadTimeout);
      if (server.measured) {
        modelMetrics(ctx, server.after.rssAnon - server.before.rssAnon, server.after.rssFile - server.before.rssFile, gen.bytes, 'http server');
        ctx.metric('embedder.rssAnon.loadDelta.max', server.after.rssAnon - server.before.rssAnon);
        ctx.metric('memoryPressure.large.loadMs', server.loadMs);
        ctx.note(`http server with the large model, spawned directly: RssAnon ${mb(server.before.rssAnon)} -> ${mb(server.after.rssAnon)}, RssFile ${mb(server.before.rssFile)} -> ${mb(server.after.rssFile)}, VmSize ${mb(server.before.vmSize)} -> ${mb(server.after.vmSize)} (load ${Math.round(server.loadMs)} ms). ` +
          'The server takes its model on the command line, so there is no initialize to measure around: "before" is /proc at its ready line (runtime up, listening) with /health then still answering 503 "loading", ' +
          '"after" is /proc when /health first answers 200; the stdio embedder\'s "before" is likewise after its runtime is up (a ping answered), "after" when initialize answered. ' +
          'Whatever the server loads between printing its ready line and the harness reading /proc (a few ms) is missed.');
      } else {
        ctx.metric('embedder.rssAnon.loadDelta.max', null);
        ctx.metric('memory.model.fileBackedRatio', null);
        ctx.note(`embedder.rssAnon.loadDelta / memory.model.*: not measured for this http adapter: ${server.reason}.`);
      }
    }

    const h = await hostLoad(ctx, gen.path, loadTimeout);
    hostMetrics(ctx, h, gen.bytes);
    if (kind === 'http' && h.embedderPid !== undefined) {
      const m = ctx.sampleEmbedder(h.embedderPid);
      if (m) {
        ctx.note(`http server with the large model: RssAnon ${mb(m.rssAnon)}, RssFile ${mb(m.rssFile)} (through the host, after the load; the load deltas come from the server spawned directly)`);
        recordMax(ctx, 'embedder.rssAnon', [m.rssAnon]);
      }
    }
    await h.close();
    if (kind === 'in-process') await noMmap(ctx, gen.path, gen.bytes, loadTimeout, h);

    if (kind === 'process' && ctx.sizes.memoryLimit && direct) {
      const limit = Math.round((direct.before.vmSize + direct.after.vmSize) / 2);
      const out = await underAsLimit(ctx, ctx.adapter, gen.path, limit, loadTimeout);
      ctx.metric('memoryPressure.limit.bytes', limit);
      ctx.metric('memoryPressure.limit.embedderFailed', out.embedder === 'loaded' ? 0 : 1);
      ctx.metric('memoryPressure.limit.hostSurvived', out.hostSurvived ? 1 : 0);
      if (!out.hostSurvived) ctx.error('HOST_DIED_UNDER_EMBEDDER_LIMIT', `the host died while its embedder ran under RLIMIT_AS ${limit}`);
      if (out.embedder === 'loaded') ctx.error('LIMIT_NOT_FELT', `the embedder loaded the ${mb(gen.bytes)} model under RLIMIT_AS ${mb(limit)}`);
      ctx.note(`memory limit: mechanism prlimit-as (RLIMIT_AS on the embedder, set at spawn by wrapping its command; proof ${out.proofTookEffect ? 'read back from /proc/PID/limits' : 'NOT confirmed'}), ${mb(limit)} = halfway between its address space before and after the load; ` +
        `the embedder ${out.embedder === 'refused' ? 'refused the load with an error' : out.embedder === 'died' ? 'died' : 'loaded anyway'}${out.code ? ` (host saw ${out.code}: ${out.message.slice(0, 240)})` : ''}; the host ${out.hostSurvived ? 'survived' : 'DIED'}.`);
    } else if (ctx.sizes.memoryLimit) {
      ctx.note(`memory limit part not run: ${kind === 'in-process' ? 'the in-process adapter has no embedder process to limit (a limit on the host is a limit on the model holder itself)' : 'it needs an embedder spawned directly to size the limit (process adapters only)'}`);
    }
  },
});

/** Host heapUsed / rss after a forced GC: before, after 100 requests and after all of them. */
async function growth(ctx: ScenarioContext<{ requests: number }>): Promise<void> {
  const host = await ctx.startHost();
  const texts = sampleTexts(ctx, 64);
  const pid = await host.embedderPid({ signal: ctx.signal });
  for (let i = 0; i < 10; i++) await embedRequired(host, texts[i % texts.length]!, { signal: ctx.signal });
  const m0 = await ctx.sampleHost(host, { gc: true });
  const e0 = pid !== undefined ? ctx.sampleEmbedder(pid) : undefined;
  const rss = [m0.rss];
  const anon: number[] = e0 ? [e0.rssAnon] : [];
  let m100 = m0;
  const total = Math.max(100, ctx.sizes.requests);
  for (let n = 1; n <= total; n++) {
    // A request the embedder lost is counted by the runner (no-request-lost); the growth is measured all the same.
    await host.embed(texts[n % texts.length]!, { signal: ctx.signal }).catch((e: unknown) => {
      if (ctx.signal.aborted || !host.alive || (e as { code?: unknown } | null)?.code !== 'GAUNTLET_TIMEOUT') throw e;
    });
    if (n % 50 === 0 || n === total) {
      const m = await ctx.sampleHost(host, { gc: true });
      rss.push(m.rss);
      if (n === 100) m100 = m;
      const e = pid !== undefined ? ctx.sampleEmbedder(pid) : undefined;
      if (e) anon.push(e.rssAnon);
    }
  }
  const mN = await ctx.sampleHost(host, { gc: true });
  ctx.metric('host.heapUsed.growth.max', m100.heapUsed - m0.heapUsed);
  ctx.metric('memoryPressure.heapGrowth.100', m100.heapUsed - m0.heapUsed);
  ctx.metric('memoryPressure.rssGrowth.100', m100.rss - m0.rss);
  ctx.metric(`memoryPressure.heapGrowth.all`, mN.heapUsed - m0.heapUsed);
  ctx.metric(`memoryPressure.rssGrowth.all`, mN.rss - m0.rss);
  ctx.metric('memoryPressure.requests', total);
  recordMax(ctx, 'host.rss', rss);
  recordMax(ctx, 'embedder.rssAnon', anon);
  ctx.metric('memoryPressure.embedderRssAnonGrowth', anon.length > 1 ? anon[anon.length - 1]! - anon[0]! : null);
  ctx.note(`host after a forced GC: heapUsed ${mb(m0.heapUsed)} -> ${mb(m100.heapUsed)} after 100 requests -> ${mb(mN.heapUsed)} after ${total}; rss ${mb(m0.rss)} -> ${mb(mN.rss)}` +
    (anon.length > 1 ? `; embedder RssAnon ${mb(anon[0]!)} -> ${mb(anon[anon.length - 1]!)}` : ''));
  await host.close();
}

function modelMetrics(ctx: ScenarioContext, anonDelta: number, fileDelta: number, bytes: number, who: string): void {
  ctx.metric('memory.model.rssAnonDelta', anonDelta);
  ctx.metric('memory.model.rssFileDelta', fileDelta);
  ctx.metric('memory.model.fileBackedRatio', fileDelta / bytes);
  ctx.note(`${who} loading the model: RssFile ${signed(fileDelta)} (${((100 * fileDelta) / bytes).toFixed(0)}% of the file), RssAnon ${signed(anonDelta)}`);
}

function hostMetrics(ctx: ScenarioContext, h: HostLoad, bytes: number): void {
  const inProcess = ctx.adapter.config.kind === 'in-process';
  if (inProcess) {
    ctx.metric('inProcess.load.modelBytes', bytes);
    ctx.metric('inProcess.load.hostCrashed', h.died ? 1 : 0);
  }
  if (h.died) {
    ctx.note(`the host died loading the ${mb(bytes)} model (${h.signal ?? 'exit'}): ${h.error ?? ''}`);
    return;
  }
  if (!h.after) {
    ctx.error('LARGE_MODEL_FAILED', `the large model did not load through the host: ${h.error ?? 'no reason'}`);
    return;
  }
  const d = (k: 'heapUsed' | 'external' | 'rss') => h.after![k] - h.before[k];
  const anon = h.after.rssAnon !== undefined && h.before.rssAnon !== undefined ? h.after.rssAnon - h.before.rssAnon : null;
  ctx.metric('host.heapUsed.loadDelta.max', d('heapUsed'));
  ctx.metric('host.external.loadDelta.max', d('external'));
  ctx.metric('host.rssAnon.loadDelta.max', anon);
  ctx.metric('memoryPressure.large.hostRss', h.after.rss);
  ctx.metric('memoryPressure.large.hostRssDelta', d('rss'));
  if (inProcess && h.after.rssFile !== undefined && h.before.rssFile !== undefined && anon !== null) {
    modelMetrics(ctx, anon, h.after.rssFile - h.before.rssFile, bytes, 'host (in-process)');
    ctx.metric('memoryPressure.large.loadMs', h.loadMs);
  }
  ctx.note(`host ${inProcess ? 'loading' : 'driving an embedder that loads'} the ${mb(bytes)} model, after a forced GC: heapUsed ${signed(d('heapUsed'))}, external ${signed(d('external'))}, rss ${signed(d('rss'))} (to ${mb(h.after.rss)})${anon !== null ? `, RssAnon ${signed(anon)}` : ''}; it ${inProcess ? 'did not crash' : 'holds no model'}.`);
}

/**
 * In-process with mmap off: a second host loads the large model with `useMmap: false`, so llama.cpp reads the
 * weights into anonymous buffers of the host (one 100 MB+ allocation per tensor buffer) instead of mapping the file.
 * The thesis says the host dies; hostCrashed is 1 if it does, 0 if it loads and embeds, null if it failed otherwise.
 */
async function noMmap(ctx: ScenarioContext<{ jsAllocBytes: number }>, model: string, bytes: number, timeoutMs: number, mapped: HostLoad): Promise<void> {
  const c = ctx.adapter.config;
  if (c.kind !== 'in-process') return;
  // The onnx engine has no mmap switch: ONNX Runtime always reads the weights into the host's memory, so the first
  // load is already the large-allocation test (a second host would load the same way).
  const onnx = c.engine === 'onnx';
  let h: HostLoad = mapped;
  if (onnx) ctx.note('engine onnx: ONNX Runtime reads the weights into memory (no mmap to turn off); the "mmap off" figures below are those of its one large-model load.');
  else {
    const off = await hostLoad(ctx, model, timeoutMs, { ...c, useMmap: false });
    await off.close();
    h = off;
  }
  ctx.metric('inProcess.loadNoMmap.modelBytes', bytes);
  ctx.metric('inProcess.loadNoMmap.hostCrashed', h.died ? 1 : h.after ? 0 : null);
  if (h.died) {
    ctx.note(`mmap off: the host DIED loading the ${mb(bytes)} model into anonymous memory (${h.signal ?? 'exit'}): ${h.error ?? ''}`);
  } else if (!h.after) {
    ctx.error('NO_MMAP_LOAD_FAILED', `the in-process host loading the ${mb(bytes)} model with mmap off neither loaded it nor died: ${h.error ?? 'no reason'}`);
  } else {
    const a = h.after, b = h.before;
    const anon = a.rssAnon !== undefined && b.rssAnon !== undefined ? a.rssAnon - b.rssAnon : null;
    const file = a.rssFile !== undefined && b.rssFile !== undefined ? a.rssFile - b.rssFile : null;
    ctx.metric('inProcess.loadNoMmap.heapUsedDelta', a.heapUsed - b.heapUsed);
    ctx.metric('inProcess.loadNoMmap.externalDelta', a.external - b.external);
    ctx.metric('inProcess.loadNoMmap.rssDelta', a.rss - b.rss);
    ctx.metric('inProcess.loadNoMmap.rssAnonDelta', anon);
    ctx.metric('inProcess.loadNoMmap.rssFileDelta', file);
    ctx.metric('inProcess.loadNoMmap.loadMs', h.loadMs);
    const m = mapped.after;
    const mappedAnon = m?.rssAnon !== undefined && mapped.before.rssAnon !== undefined ? m.rssAnon - mapped.before.rssAnon : undefined;
    const mappedFile = m?.rssFile !== undefined && mapped.before.rssFile !== undefined ? m.rssFile - mapped.before.rssFile : undefined;
    // What mmap on also adds to RssAnon (node-llama-cpp's runtime, the context and its compute buffers) is not the
    // weights: the difference between the two loads is.
    const was = mappedAnon !== undefined && mappedFile !== undefined
      ? ` (mmap on, same model: RssAnon ${signed(mappedAnon)}, RssFile ${signed(mappedFile)}${anon !== null ? `; so mmap off moved ${signed(anon - mappedAnon)} = ${((100 * (anon - mappedAnon)) / bytes).toFixed(0)}% of the file into anonymous memory` : ''})`
      : '';
    ctx.note(`mmap off: the host loaded the ${mb(bytes)} model into its own anonymous memory and embedded with it, and did not crash: ` +
      `RssAnon ${anon !== null ? `${signed(anon)} (${((100 * anon) / bytes).toFixed(0)}% of the file)` : 'n/a'}, RssFile ${file !== null ? signed(file) : 'n/a'}${was}; ` +
      `V8 saw heapUsed ${signed(a.heapUsed - b.heapUsed)}, external ${signed(a.external - b.external)} (after a forced GC), rss ${signed(a.rss - b.rss)} (to ${mb(a.rss)}); load + embed ${Math.round(h.loadMs)} ms.`);
  }

  const js = await jsAllocation(ctx, ctx.sizes.jsAllocBytes, 60_000);
  ctx.metric('inProcess.jsAlloc.bytes', js.bytes);
  ctx.metric('inProcess.jsAlloc.crashed', js.crashed ? 1 : 0);
  ctx.note(js.crashed
    ? `a Node process allocating and filling a ${mb(js.bytes)} Float32Array DIED: ${js.detail}`
    : `a Node process (same binary, --expose-gc) allocated and filled a ${mb(js.bytes)} (${js.bytes / 2 ** 20} MiB) Float32Array, as a JS dequantiser would, in ${Math.round(js.fillMs ?? 0)} ms and exited normally: external ${signed(js.externalDelta ?? 0)}, RssAnon ${signed(js.rssAnonDelta ?? 0)} (an ArrayBuffer's bytes live outside the V8 heap).`);
}
