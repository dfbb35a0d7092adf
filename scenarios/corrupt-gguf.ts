/**
 * corrupt-gguf: the corruption catalogue (harness/gguf/corrupt.ts) handed to the implementation. The host must
 * survive every file. A must-refuse file must be refused with an error that names the problem; an engine-specific one
 * (llama.cpp aborts on it, the format allows it) may instead load and embed correctly: the vector of the probe text is
 * compared with the oracle's (harness/gguf/corruption-types.ts CorruptionClass).
 *
 * Fast by reuse: process adapters get one embedder that is sent an `initialize` per file (a new one only after a
 * file that killed it, hung it or loaded); in-process gets one stand-in host process that loads file after file as
 * the in-process adapter does, and a fresh one after each file that kills it (a spare is kept warm). Then a few
 * files go through real hosts: a refused one and, where any, one that killed the embedder or host. The http adapter
 * (one server per model) runs its files through real hosts only.
 */
import path from 'node:path';
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import { corruptionClass, type CorruptionVariant } from '../harness/gguf/corrupt.ts';
import { isUnclear, judge, selectVariants, variantFiles, type Selection, type Verdict } from './support/corrupt-gguf-catalogue.ts';
import { throughHost } from './support/corrupt-gguf-host-check.ts';
import { inProcessProber, PROBE_TEXT, processProber, type FileOutcome } from './support/corrupt-gguf-probers.ts';

interface Row { variant: string; part: string; verdict: Verdict; outcome: FileOutcome; via: 'sweep' | 'host'; hostDied: boolean }

export default defineScenario({
  id: 'corrupt-gguf',
  title: 'Corrupt GGUF files: the corruption catalogue against the adapter',
  claims: ['corrupt-gguf-host-survives', 'corrupt-gguf-clear-error', 'host-never-crashes'],
  // Its figures are counts and verdicts with wide time bounds: it may run beside another such run (runner lanes).
  overlap: true,
  quick: { catalogue: 'auto', only: [] as string[], perPart: 2, probeTimeoutMs: 5000, hostChecks: 2 },
  full: { catalogue: 'all', only: [] as string[], perPart: 2, probeTimeoutMs: 20_000, hostChecks: 3 },
  timeoutMs: { quick: 150_000, full: 900_000 },
  async run(ctx) {
    const base = await ctx.generateModel('corrupt-base', { preset: 'tiny', seed: ctx.seed });
    const sel: Selection = ctx.sizes.only.length ? ctx.sizes.only : (ctx.sizes.catalogue as 'all' | 'auto');
    const { variants, subset } = selectVariants(sel, ctx.adapter, ctx.sizes.perPart);
    const files = await variantFiles(base.path, path.join(ctx.tmpDir, 'corrupt-gguf'), variants, ctx.seed);
    const kind = ctx.adapter.config.kind;
    const rows: Row[] = [];
    let processDeaths = 0;
    let spawns = 0;

    if (kind === 'http') {
      for (const v of variants) rows.push(await hostRow(ctx, v.id, v.part, files.get(v.id)!, variants, base.path));
    } else {
      const prober = kind === 'process' ? processProber(ctx.adapter, ctx.tmpDir, ctx.signal) : inProcessProber(ctx.adapter, ctx.signal);
      try {
        for (const v of variants) {
          const file = files.get(v.id)!;
          const outcome = await prober.probe(file, ctx.sizes.probeTimeoutMs);
          const verdict = judge(v, outcome, file, await expectedVector(ctx, v, outcome, file, base.path));
          if (outcome.kind === 'died') {
            processDeaths++;
            ctx.timeline.add('crash', `${kind === 'in-process' ? 'stand-in host' : 'embedder'} died on ${v.id} (${outcome.signal ?? `code ${outcome.exitCode}`})`, { variant: v.id, signal: outcome.signal, exitCode: outcome.exitCode, stage: outcome.stage });
          }
          rows.push({ variant: v.id, part: v.part, verdict, outcome, via: 'sweep', hostDied: kind === 'in-process' && outcome.kind === 'died' });
        }
      } finally {
        spawns = prober.spawns;
        await prober.close();
      }
      // Real hosts for a few files: one refused clearly, one that killed the process (or, failing that, an unclear one).
      const picks = [
        rows.find((r) => r.verdict === 'died'),
        rows.find((r) => r.verdict === 'clear-error'),
        rows.find((r) => r.verdict === 'unclear-error' || r.verdict === 'loaded-silently'),
      ].filter((r): r is Row => !!r).slice(0, ctx.sizes.hostChecks);
      for (const p of picks) rows.push(await hostRow(ctx, p.variant, p.part, files.get(p.variant)!, variants, base.path));
    }

    const hostDeaths = rows.filter((r) => r.hostDied);
    const killers = new Set(hostDeaths.map((r) => r.variant));
    const unclear = new Set(rows.filter((r) => isUnclear(r.verdict, kind === 'in-process')).map((r) => r.variant));
    const primary = kind === 'http' ? rows : rows.filter((r) => r.via === 'sweep');
    const count = (v: Verdict) => primary.filter((r) => r.verdict === v).length;
    ctx.metric('corruptGguf.variants', variants.length);
    ctx.metric('corruptGguf.hostCrashes', killers.size);
    ctx.metric('corruptGguf.unclearErrors', unclear.size);
    ctx.metric('corruptGguf.clearErrors', count('clear-error'));
    ctx.metric('corruptGguf.deaths', count('died'));
    ctx.metric('corruptGguf.hangs', count('hang'));
    ctx.metric('corruptGguf.loaded', count('loaded'));
    ctx.metric('corruptGguf.loadedCorrectly', count('loaded-correct'));
    ctx.metric('corruptGguf.mustRefuse', variants.filter((v) => corruptionClass(v) === 'must-refuse').length);
    ctx.metric('corruptGguf.engineSpecific', variants.filter((v) => corruptionClass(v) === 'engine-specific').length);
    ctx.metric('corruptGguf.hostChecks', rows.filter((r) => r.via === 'host').length);
    ctx.metric('host.crashes', hostDeaths.length);

    const signals = [...new Set(rows.filter((r) => r.outcome.kind === 'died').map((r) => (r.outcome as { signal: string | null }).signal ?? 'exit'))];
    const where = kind === 'http' ? 'each through a real host' : `${spawns} ${kind === 'in-process' ? 'stand-in host process(es)' : 'embedder process(es)'} in the sweep, then ${rows.filter((r) => r.via === 'host').length} through real hosts`;
    const subsetText = kind === 'http' ? 'subset: the first variant of each part and the first one node-llama-cpp aborts on (a server start per file)' : 'representative subset: every variant node-llama-cpp aborts or hangs on, plus the first few of each part';
    ctx.note(`${variants.length} variants (${subset ? subsetText : 'the whole catalogue'}), ${where}: ` +
      `${count('clear-error')} refused with a clear error, ${count('unclear-error')} with an unclear one, ${count('died')} killed the ${kind === 'in-process' ? 'host' : 'embedder'}${signals.length ? ` (${signals.join(', ')})` : ''}, ` +
      `${count('hang')} hung, ${count('loaded')} loaded as expected (benign variants), ${count('loaded-correct')} engine-specific file(s) loaded and embedded correctly (vector matches the oracle's), ${count('loaded-silently') + count('nan')} loaded although corrupt (or with a wrong vector).`);
    if (kind === 'in-process' && killers.size) ctx.note(`in-process: ${killers.size} corrupt file(s) killed the host: ${[...killers].join(', ')}. The host process is lost with the model load; a separate embedder process would have contained it.`);
    const bad = rows.filter((r) => r.verdict !== 'clear-error' && r.verdict !== 'loaded' && r.verdict !== 'loaded-correct');
    for (const r of bad.slice(0, 40)) ctx.note(`${r.variant} (${r.part}, ${r.via}): ${r.verdict}${detail(r.outcome)}`);
    if (bad.length > 40) ctx.note(`... and ${bad.length - 40} more non-clear outcomes`);
  },
});

/**
 * The right vector for an engine-specific file that loaded: the oracle's for the probe text, on the variant itself
 * or on the base model (harm.correctFrom). Null when the oracle cannot run the file (then loading it is not right).
 */
async function expectedVector(ctx: ScenarioContext, v: CorruptionVariant, o: FileOutcome, file: string, base: string): Promise<Float32Array | null | undefined> {
  if (o.kind !== 'loaded' || corruptionClass(v) !== 'engine-specific') return undefined;
  try {
    const oracle = await ctx.oracle(v.harm?.correctFrom === 'base' ? base : file);
    return oracle.embed(PROBE_TEXT, { normalize: ctx.adapter.normalize });
  } catch (e) {
    ctx.note(`${v.id}: the oracle cannot run this file (${(e as Error).message.slice(0, 160)}), so a load of it cannot be confirmed correct`);
    return null;
  }
}

async function hostRow(ctx: ScenarioContext<{ probeTimeoutMs: number }>, variant: string, part: string, file: string, variants: CorruptionVariant[], base: string): Promise<Row> {
  const check = await throughHost(ctx, variant, file, ctx.sizes.probeTimeoutMs + 5000);
  const v = variants.find((x) => x.id === variant)!;
  const verdict = judge(v, check.outcome, file, await expectedVector(ctx, v, check.outcome, file, base));
  return { variant, part, verdict, outcome: check.outcome, via: 'host', hostDied: check.hostDied };
}

function detail(o: FileOutcome): string {
  switch (o.kind) {
    case 'refused': return ` [${o.code}] ${o.message.slice(0, 200)}${o.logs ? ` (runtime log, not in the error: ${o.logs.slice(0, 160)})` : ''}`;
    case 'died': return ` (${o.signal ?? `exit code ${o.exitCode}`} during ${o.stage})`;
    case 'hang': return ` (no answer within ${Math.round(o.waitedMs)} ms)`;
    case 'loaded': return o.finite ? '' : ' (non-finite vector)';
  }
}
