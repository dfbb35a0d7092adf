/**
 * model-file-changed: the model file changes on disk while an embedder (or the in-process host) has it mapped.
 * Always on a private copy in the run's temp dir, never the cached model.
 * - truncate: the file cut to half in place (FACTS.md: SIGBUS on the next embedding that touches the lost pages);
 * - overwrite: the same inode written over with a broken copy (the tail filled with 0xFF bytes, NaN as f32):
 *   FACTS.md measured silent NaN vectors;
 * - rename: a broken copy renamed over the path (an atomic update): the mapping keeps the old inode.
 * After each fault: a few embeddings (what comes back, and is it still the vector from before?), then the original
 * file is put back (rename) and the same host must give the reference vector again; if it cannot, a fresh host.
 */
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HostHandle } from '../harness/host/types.ts';
import { defineScenario } from '../harness/runner/define-scenario.ts';
import type { ScenarioContext } from '../harness/runner/types.ts';
import { allFinite, cosine, identical, nextGoodEmbedding, oracleVectors, outcome } from './support/measure.ts';

type Case = 'truncate' | 'overwrite' | 'rename';
const TEXT = 'mapped model file changed on disk';

interface CaseResult { silentBad: number; hostDied: boolean; recovered: 'same-host' | 'fresh-host' | 'no'; outcomes: string[] }

export default defineScenario({
  id: 'model-file-changed',
  title: 'The mapped model file truncated, overwritten or replaced while loaded',
  claims: ['model-file-changed-no-silent-bad-vectors', 'host-never-crashes'],
  // Its figures are counts and verdicts with wide time bounds: it may run beside another such run (runner lanes).
  overlap: true,
  quick: { cases: ['truncate', 'overwrite', 'rename'], probes: 3, recoverWithinMs: 15_000 },
  full: { cases: ['truncate', 'overwrite', 'rename'], probes: 10, recoverWithinMs: 30_000 },
  timeoutMs: { quick: 150_000, full: 400_000 },
  async run(ctx) {
    const [reference] = (await oracleVectors(ctx, [TEXT])) ?? [undefined];
    const pristine = path.join(ctx.tmpDir, `mfc-pristine-${ctx.adapter.name}.gguf`);
    copyFileSync(ctx.model.path, pristine);
    const broken = brokenCopy(readFileSync(pristine));
    let silentBad = 0, hostCrashes = 0, recovered = 0;
    for (const c of ctx.sizes.cases as Case[]) {
      const r = await oneCase(ctx, c, pristine, broken, reference);
      silentBad += r.silentBad;
      if (r.hostDied) hostCrashes++;
      if (r.recovered === 'same-host') recovered++;
      ctx.metric(`modelFileChanged.${c}.silentBadVectors`, r.silentBad);
      ctx.metric(`modelFileChanged.${c}.hostDied`, r.hostDied ? 1 : 0);
      ctx.metric(`modelFileChanged.${c}.recoveredSameHost`, r.recovered === 'same-host' ? 1 : 0);
      ctx.note(`${c}: after the change ${r.outcomes.join(', ')}; host ${r.hostDied ? 'DIED' : 'survived'}; with the file restored: ${r.recovered === 'same-host' ? 'the same host gave the reference vector again' : r.recovered === 'fresh-host' ? 'only a fresh host gave the reference vector' : 'no correct vector'}.`);
    }
    ctx.metric('modelFileChanged.silentBadVectors', silentBad);
    ctx.metric('modelFileChanged.hostCrashes', hostCrashes);
    ctx.metric('modelFileChanged.recoveredSameHost', recovered);
    ctx.metric('host.crashes', hostCrashes);
  },
});

/** The same bytes with everything past 40% of the file set to 0xFF (NaN as f32): same size, same layout, broken data. */
function brokenCopy(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out.fill(0xff, Math.floor(out.length * 0.4));
  return out;
}

function restore(ctx: ScenarioContext, file: string, pristine: string): void {
  const tmp = `${file}.restore`;
  writeFileSync(tmp, readFileSync(pristine));
  renameSync(tmp, file);
  ctx.timeline.add('note', `restored ${path.basename(file)} (rename of the original over it)`);
}

async function oneCase(ctx: ScenarioContext<{ probes: number; recoverWithinMs: number }>, c: Case, pristine: string, broken: Buffer, reference: Float32Array | undefined): Promise<CaseResult> {
  const file = path.join(ctx.tmpDir, `mfc-${ctx.adapter.name}-${c}.gguf`);
  copyFileSync(pristine, file);
  const host = await ctx.startHost({ adapter: { model: file } });
  const embedderExits: string[] = [];
  host.on('lifecycle', (e) => {
    if (e.type === 'crash') embedderExits.push(String(e.signal ?? `exit code ${String(e.exitCode)}`));
    if (e.type === 'give-up') embedderExits.push('supervisor gave up');
  });
  const before = await host.embed(TEXT, { signal: ctx.signal });
  if (reference && cosine(before, reference) < 0.9999) ctx.error('VECTOR_MISMATCH', `${c}: the vector before the change does not match the reference (cosine ${cosine(before, reference).toFixed(6)})`);
  const rec = c === 'truncate' ? ctx.faults.truncateModel(file) : ctx.faults.replaceModel(file, broken, c === 'overwrite' ? 'in-place' : 'rename');
  if (!rec.tookEffect) ctx.error('FAULT_NO_EFFECT', `${c}: the file change did not take effect: ${JSON.stringify(rec.proof)}`);

  const outcomes: string[] = [];
  let silentBad = 0;
  for (let i = 0; i < ctx.sizes.probes && host.alive; i++) {
    const o = await outcome(host.embed(TEXT, { signal: ctx.signal, timeoutMs: 10_000 }));
    if (ctx.signal.aborted) throw new Error('scenario aborted');
    if (o.ok) {
      const v = o.value as Float32Array;
      const same = identical(v, before);
      if (!same) silentBad++;
      outcomes.push(same ? 'same vector' : allFinite(v) ? 'a DIFFERENT vector' : 'a NaN vector');
    } else {
      outcomes.push(`error ${o.code}`);
    }
  }
  if (embedderExits.length) outcomes.push(`embedder: ${embedderExits.join(', ')}`);
  const exit = host.alive ? undefined : await host.exited;
  const hostDied = !!exit;
  if (exit) {
    outcomes.push(`host exit ${exit.signal ?? `code ${exit.code}`}`);
    ctx.timeline.add('crash', `host died after ${c} (${exit.signal ?? `code ${exit.code}`})`, { case: c, signal: exit.signal });
  }
  restore(ctx, file, pristine);
  const recovered = await recover(ctx, c, host, file, before);
  if (host.alive) await host.close();
  return { silentBad, hostDied, recovered, outcomes: collapse(outcomes) };
}

async function recover(ctx: ScenarioContext<{ recoverWithinMs: number }>, c: Case, host: HostHandle, file: string, before: Float32Array): Promise<CaseResult['recovered']> {
  if (host.alive) {
    const next = await nextGoodEmbedding(host, TEXT, ctx.sizes.recoverWithinMs, ctx.signal);
    if (next && identical(next.vector, before)) return 'same-host';
    if (next) ctx.note(`${c}: the same host answered after the restore, but not the vector from before the change (${allFinite(next.vector) ? 'a different vector' : 'NaN'}: the old mapping is still in use)`);
  }
  let fresh: HostHandle | undefined;
  try {
    fresh = await ctx.startHost({ adapter: { model: file } });
    const v = await fresh.embed(TEXT, { signal: ctx.signal });
    return identical(v, before) ? 'fresh-host' : 'no';
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    ctx.note(`${c}: a fresh host on the restored file failed too: ${(e as Error).message}`);
    return 'no';
  } finally {
    await fresh?.close();
  }
}

/** ['error X', 'error X', 'same vector'] -> ['2x error X', 'same vector']. */
function collapse(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length;) {
    let j = i;
    while (j < items.length && items[j] === items[i]) j++;
    out.push(j - i > 1 ? `${j - i}x ${items[i]}` : items[i]!);
    i = j;
  }
  return out;
}
