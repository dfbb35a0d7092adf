/**
 * Where each restart spends its time, from the supervisor's lifecycle events: crash noticed (kill -> `crash`), backoff
 * wait, spawn, runtime ready, model loaded (the `ready` event's phases, measured on the supervisor's clock and, for
 * an embedder that reports `initialized.timing`, split by its own milestones), first answer (`ready` -> the answer
 * the scenario waited for). A takeover by a warm spare has spawn, runtime and load 0 (`via: 'standby'`).
 *
 * Also the warm-standby helpers: wait until the adapter's spares are ready before a kill (a kill before the spare is
 * warm is a double fault, not what a standby promises), and the spares' memory (the price of the standby).
 */
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import type { HostHandle } from '../../harness/host/types.ts';
import { readProcStatusSync } from '../../harness/metrics/proc-status.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import { sleep } from '../../harness/util/deadline.ts';

export const PHASES = ['crashNoticedMs', 'backoffMs', 'spawnMs', 'runtimeMs', 'loadMs', 'firstAnswerMs'] as const;
export type PhaseName = (typeof PHASES)[number];
export type RestartPhaseRecord = Record<PhaseName, number | null> & { via: string; totalMs: number };

/** Epoch ms with sub-ms precision, comparable with lifecycle events' `at` (Date.now()). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Spares the adapter asks for (`supervisor.standby`), 0 when none. */
export function standbyOf(ctx: ScenarioContext): number {
  const sup = (ctx.adapter.config as { supervisor?: { standby?: unknown } }).supervisor;
  return typeof sup?.standby === 'number' ? sup.standby : 0;
}

/** Watches one host's lifecycle: restart phases and warm spares. */
export class RestartWatch {
  readonly events: LifecycleEvent[] = [];
  readonly records: RestartPhaseRecord[] = [];
  /** Pids of spares ready to take over. */
  private readonly warm = new Set<number>();
  private readonly standby: number;

  constructor(private readonly ctx: ScenarioContext, host: HostHandle) {
    this.standby = standbyOf(ctx);
    host.on('lifecycle', (e) => {
      this.events.push(e);
      const pid = typeof e.pid === 'number' ? e.pid : undefined;
      if (pid === undefined) return;
      if (e.type === 'standby-ready') this.warm.add(pid);
      if (e.type === 'standby-exit' || (e.type === 'ready' && e.via === 'standby')) this.warm.delete(pid);
    });
  }

  /** Pids of the spares that are warm now. */
  get spares(): number[] {
    return [...this.warm];
  }

  /** Resolves once the adapter's spares are all warm (at once without standby); false after `withinMs`. */
  async standbyWarm(withinMs = 20_000): Promise<boolean> {
    if (this.standby === 0) return true;
    const end = performance.now() + withinMs;
    while (this.warm.size < this.standby && performance.now() < end && !this.ctx.signal.aborted) await sleep(10);
    return this.warm.size >= this.standby;
  }

  /**
   * The phases of the restart that followed a kill at `killedAt` (epoch ms) and ended with the answer at
   * `answeredAt` (epoch ms); undefined when the events do not show one (e.g. the answer came from the old process).
   */
  record(killedAt: number, answeredAt: number): RestartPhaseRecord | undefined {
    const crash = this.events.find((e) => e.type === 'crash' && e.at >= killedAt - 1);
    if (!crash) return undefined;
    const ready = this.events.find((e) => e.type === 'ready' && e.at >= crash.at);
    if (!ready || ready.at > answeredAt + 1) return undefined;
    const p = (ready.phases ?? {}) as Record<string, unknown>;
    const rec: RestartPhaseRecord = {
      via: String(ready.via ?? 'spawn'),
      crashNoticedMs: Math.max(0, crash.at - killedAt),
      backoffMs: num(p.backoffMs),
      spawnMs: num(p.spawnMs),
      runtimeMs: num(p.runtimeMs),
      loadMs: num(p.loadMs),
      firstAnswerMs: Math.max(0, answeredAt - ready.at),
      totalMs: answeredAt - killedAt,
    };
    this.records.push(rec);
    return rec;
  }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
}

/**
 * Metrics `restart.phase.<phase>.p50` / `.max` over every restart of the scenario, `restart.phase.count` and
 * `restart.phase.standbyTakeovers`; the report's phase table reads them.
 */
export function recordPhases(ctx: ScenarioContext, records: RestartPhaseRecord[]): void {
  ctx.metric('restart.phase.count', records.length);
  ctx.metric('restart.phase.standbyTakeovers', records.filter((r) => r.via === 'standby').length);
  for (const name of [...PHASES, 'totalMs'] as const) {
    const values = records.map((r) => r[name]).filter((v): v is number => v !== null);
    ctx.metric(`restart.phase.${name}.p50`, median(values));
    ctx.metric(`restart.phase.${name}.max`, values.length ? Math.max(...values) : null);
  }
}

/** The spares' memory now (bytes): `standby.spareRss.max`, `standby.spareRssAnon.max`, `standby.spares`. */
export function recordSpareMemory(ctx: ScenarioContext, pids: number[]): void {
  if (standbyOf(ctx) === 0) return;
  const rss: number[] = [];
  const anon: number[] = [];
  for (const pid of pids) {
    const m = readProcStatusSync(pid);
    if (m) {
      rss.push(m.rss);
      anon.push(m.rssAnon);
    }
  }
  ctx.metric('standby.spares', standbyOf(ctx));
  ctx.metric('standby.spareRss.max', rss.length ? Math.max(...rss) : null);
  ctx.metric('standby.spareRssAnon.max', anon.length ? Math.max(...anon) : null);
  if (rss.length) {
    ctx.note(`standby: ${standbyOf(ctx)} warm spare(s); each costs ${(Math.max(...rss) / 2 ** 20).toFixed(1)} MiB RSS (${(Math.max(...anon) / 2 ** 20).toFixed(1)} MiB anonymous), the price of a restart without a spawn`);
  }
}
