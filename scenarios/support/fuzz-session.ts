/**
 * What the fuzz drivers share: one host at a time (a fresh one before the supervisor's restart breaker comes
 * near: this scenario is about each malformed input, not about the restart limit), its lifecycle events, the
 * probe texts with their first answers, and the probe verdicts.
 */
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import type { HostHandle } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import { sleep } from '../../harness/util/deadline.ts';
import { GauntletError, toError } from '../../harness/util/errors.ts';
import { cosine, nextGoodEmbedding, oracleVectors } from './measure.ts';

export const PROBE_TEXTS = ['fuzz probe alpha vector', 'fuzz probe beta model token', 'fuzz probe gamma'];
/** Probe answers must match the first answer this closely (and the oracle, where it runs the adapter's model). */
export const PROBE_MIN_COSINE = 0.9999;

export type ProbeVerdict = 'correct' | 'wrong' | 'unanswered' | 'error';

export interface ProbeTally { sent: number; correct: number; wrong: number; unanswered: number; errors: number }

export class FuzzSession {
  host!: HostHandle;
  events: LifecycleEvent[] = [];
  hosts = 0;
  private deathsThisHost = 0;
  private baseline: Float32Array[] = [];
  dims = 0;
  readonly tally: ProbeTally = { sent: 0, correct: 0, wrong: 0, unanswered: 0, errors: 0 };
  private probeIndex = 0;

  constructor(private readonly ctx: ScenarioContext, private readonly deadlineMs: number) {}

  async open(): Promise<void> {
    if (this.host) await this.host.close().catch(() => {});
    const host = await this.ctx.startHost({ deferStart: true });
    const events: LifecycleEvent[] = [];
    host.on('lifecycle', (e) => {
      events.push(e);
      if (e.type === 'crash') this.deathsThisHost++;
    });
    this.events = events;
    this.deathsThisHost = 0;
    const info = await host.start({ signal: this.ctx.signal });
    this.host = host;
    this.hosts++;
    if (this.baseline.length === 0) await this.takeBaseline(info.dims);
  }

  /** The server address an http adapter's lifecycle events named (undefined for other kinds). */
  baseUrl(): string | undefined {
    return this.events.map((e) => e.baseUrl).find((u): u is string => typeof u === 'string');
  }

  private async takeBaseline(dims: number): Promise<void> {
    this.dims = dims;
    for (const t of PROBE_TEXTS) this.baseline.push(await this.host.embed(t, { timeoutMs: this.deadlineMs, signal: this.ctx.signal }));
    const sameModel = this.ctx.adapter.model === this.ctx.model.path;
    const oracle = sameModel ? await oracleVectors(this.ctx, PROBE_TEXTS) : null;
    if (!sameModel) this.ctx.note('the adapter runs a model of its own: probes are compared with its first answers only');
    this.baseline.forEach((v, i) => {
      if (v.length !== dims) this.ctx.error('FUZZ_PROBE_WRONG', `before fuzzing: "${PROBE_TEXTS[i]}" has ${v.length} dims, initialized said ${dims}`);
      const o = oracle?.[i];
      if (o && !(cosine(v, o) >= PROBE_MIN_COSINE)) this.ctx.error('FUZZ_PROBE_WRONG', `before fuzzing: "${PROBE_TEXTS[i]}" has cosine ${cosine(v, o).toFixed(6)} with the oracle`);
    });
  }

  mark(): number {
    return this.events.length;
  }

  deathsSince(mark: number): LifecycleEvent[] {
    return this.events.slice(mark).filter((e) => e.type === 'crash');
  }

  /** Waits up to `ms` for a death after `mark`; true when one came. */
  async waitDeath(mark: number, ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (this.deathsSince(mark).length > 0) return true;
      await sleep(10, this.ctx.signal);
    }
    return this.deathsSince(mark).length > 0;
  }

  /** One valid request whose answer must match the first one; a batch of two every fourth probe. */
  async probe(): Promise<{ verdict: ProbeVerdict; detail: string }> {
    const k = this.probeIndex++;
    const i = k % PROBE_TEXTS.length;
    const j = (k + 1) % PROBE_TEXTS.length;
    const opts = { timeoutMs: this.deadlineMs, signal: this.ctx.signal };
    try {
      const batch = k % 4 === 3;
      const got = batch ? await this.host.embedBatch([PROBE_TEXTS[i]!, PROBE_TEXTS[j]!], opts) : [await this.host.embed(PROBE_TEXTS[i]!, opts)];
      const want = batch ? [this.baseline[i]!, this.baseline[j]!] : [this.baseline[i]!];
      for (let n = 0; n < want.length; n++) {
        const v = got[n];
        if (!v || v.length !== this.dims) return { verdict: 'wrong', detail: `${v?.length ?? 'no'} dims instead of ${this.dims}` };
        const c = cosine(v, want[n]!);
        if (!(c >= PROBE_MIN_COSINE)) return { verdict: 'wrong', detail: `cosine ${c.toFixed(6)} with the first answer` };
      }
      return { verdict: 'correct', detail: '' };
    } catch (e) {
      if (this.ctx.signal.aborted) throw e;
      const err = toError(e);
      if (err instanceof GauntletError && err.code === 'GAUNTLET_TIMEOUT') return { verdict: 'unanswered', detail: err.message };
      return { verdict: 'error', detail: `${err instanceof GauntletError ? err.code : 'error'}: ${err.message}` };
    }
  }

  /** Counts a probe that no death explains (a probe caught in a crash is not judged: the crash is the finding). */
  judge(verdict: ProbeVerdict): void {
    this.tally.sent++;
    if (verdict === 'correct') this.tally.correct++;
    else if (verdict === 'wrong') this.tally.wrong++;
    else if (verdict === 'unanswered') this.tally.unanswered++;
    else this.tally.errors++;
  }

  /** After deaths: a fresh host when the breaker comes near, else wait for the restarted embedder to answer. */
  async recover(withinMs: number): Promise<void> {
    if (!this.host.alive) throw new Error('the host died');
    if (this.deathsThisHost >= 3) { await this.open(); return; }
    const ok = await nextGoodEmbedding(this.host, PROBE_TEXTS[0]!, withinMs, this.ctx.signal);
    if (!ok) { this.ctx.note(`no answer within ${withinMs} ms after a death: a fresh host`); await this.open(); }
  }
}
