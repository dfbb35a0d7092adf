/** Builds the `ctx` a scenario runs with, and the mutable state the runner turns into a ScenarioResult. */
import type { SampleLink } from '../stats/figure-intervals.ts';
import type { FigureStat } from '../stats/resample.ts';
import path from 'node:path';
import type { ResolvedAdapter } from '../adapters/types.ts';
import { createFaultInjector, type FaultInjector } from '../faults/index.ts';
import type { GenerateOptions, GenerateResult } from '../gguf/generator.ts';
import type { Oracle } from '../gguf/oracle.ts';
import type { GoldenSet } from '../golden/golden-file.ts';
import type { HostHandle, StartHostOptions } from '../host/types.ts';
import { RequestLedger } from '../host/request-ledger.ts';
import type { LatencySummary, SamplePoint, ScenarioResult } from '../report/schema.ts';
import { procRss } from '../util/proc-status.ts';
import { GauntletError } from '../util/errors.ts';
import { trackHost, type TrackedHost } from './host-tracking.ts';
import { summarizeLatencies } from '../metrics/latency.ts';
import type { ProcessTracker } from './process-tracker.ts';
import { createRng } from './rng.ts';
import { createTimeline } from './timeline.ts';

/** A start/end memory sample gives up after this long (the host may be busy or dying). */
const SAMPLE_DEADLINE_MS = 1000;
import type { AdapterOverride, AnyScenario, EmbedderMemory, RunEvent, RunModel, ScenarioContext, ScenarioStartHostOptions } from './types.ts';

export interface ScenarioDeps {
  startHost(adapter: ResolvedAdapter, opts?: StartHostOptions): Promise<HostHandle>;
  loadOracle(modelPath: string): Promise<Oracle>;
  generateModel(opts: GenerateOptions): Promise<GenerateResult>;
}

/** What the runner shares between scenarios of one run. */
export interface RunEnv {
  seed: number;
  quick: boolean;
  model: RunModel;
  tmpDir: string;
  tracker: ProcessTracker;
  emit(e: RunEvent): void;
  deps: ScenarioDeps;
  oracles: Map<string, Promise<Oracle>>;
  /** Why the oracle could not run a model, by path (the report's references say it). */
  oracleErrors?: Map<string, string>;
  /** The run's golden vectors (config `golden`), when they are its reference. */
  golden?: GoldenSet;
  models: Map<string, Promise<GenerateResult>>;
  /** How long a scenario's processes get to exit by themselves before the sweep kills them (default 2500 ms). */
  sweepGraceMs?: number;
  /** Aborted when the run is interrupted (Ctrl-C, SIGTERM): the scenario under way is stopped at once. */
  interrupt?: AbortSignal;
}

export interface ScenarioState {
  owner: string;
  timeline: ReturnType<typeof createTimeline>;
  metrics: Record<string, number | null>;
  breakdowns: NonNullable<ScenarioResult['breakdowns']>;
  latency: Record<string, LatencySummary>;
  /** Raw samples of each latency summary, and which figures are statistics of them (harness/stats). */
  samples: Record<string, number[]>;
  links: Record<string, SampleLink>;
  series: Record<string, SamplePoint[]>;
  notes: string[];
  errors: ScenarioResult['errors'];
  hosts: TrackedHost[];
  samplers: Set<() => void>;
  faults: FaultInjector;
  controller: AbortController;
  /** Set once the runner is cleaning up: hosts that finish starting later are closed at once. */
  ended: boolean;
  deadlineAt: number;
  /** Every embed / embed-batch the scenario sent through its hosts, and what became of it. */
  ledger: RequestLedger;
  /** Summed wall time of ctx.startHost() calls (report: timing.hostStartMs). */
  hostStart: { ms: number; count: number };
}

/** `adapter` with `override` laid over it (a fresh object: the run's adapter is shared and never changed). */
export function withOverride(adapter: ResolvedAdapter, override: AdapterOverride | undefined): ResolvedAdapter {
  if (!override) return adapter;
  const kind = override.config?.kind;
  if (kind !== undefined && kind !== adapter.config.kind) {
    throw new GauntletError('GAUNTLET_USAGE', `startHost: the adapter override's config is of kind ${JSON.stringify(kind)}, but adapter ${adapter.name} is ${JSON.stringify(adapter.config.kind)}`);
  }
  const unknown = Object.keys(override).filter((k) => !OVERRIDABLE.includes(k as keyof AdapterOverride));
  if (unknown.length > 0) {
    throw new GauntletError('GAUNTLET_USAGE', `startHost: the adapter override cannot set ${unknown.join(', ')} (only ${OVERRIDABLE.join(', ')})`);
  }
  const defined = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
  return { ...adapter, ...defined };
}

const OVERRIDABLE: (keyof AdapterOverride)[] = ['model', 'config', 'startTimeoutMs', 'requestTimeoutMs'];

/** The statistics of a latency summary that get an interval. */
const LATENCY_STATS: readonly FigureStat[] = ['p50', 'p90', 'p99', 'mean', 'max', 'min'];

export function createScenarioContext(def: AnyScenario, adapter: ResolvedAdapter, env: RunEnv, timeoutMs: number): { ctx: ScenarioContext; state: ScenarioState } {
  const owner = `${def.id}/${adapter.name}`;
  const timeline = createTimeline();
  const controller = new AbortController();
  const state: ScenarioState = {
    owner, timeline, metrics: {}, breakdowns: {}, latency: {}, samples: {}, links: {}, series: {}, notes: [], errors: [], hosts: [], samplers: new Set(),
    controller, ended: false, deadlineAt: performance.now() + timeoutMs, hostStart: { ms: 0, count: 0 },
    faults: undefined as unknown as FaultInjector,
    ledger: undefined as unknown as RequestLedger,
  };
  state.ledger = new RequestLedger({
    now: timeline.now,
    fromEpoch: timeline.fromEpoch,
    remainingMs: () => Math.max(0, state.deadlineAt - performance.now()),
    faultTimes: () => state.faults.records.map((r) => r.at),
  });
  const base = { scenario: def.id, adapter: adapter.name };
  const injector = createFaultInjector(timeline.now, (record) => {
    // Placed at the moment the fault was applied (the record is emitted once its proof is in).
    timeline.add('fault', `${record.kind} ${record.target}${record.tookEffect ? '' : ' (no effect)'}`, { ...record }).t = record.at;
    env.emit({ type: 'fault', ...base, record });
  });
  // A kill aimed at a host the scenario started is an expected exit, not a host crash.
  state.faults = {
    ...injector,
    records: injector.records,
    kill: (pid, signal, opts) => {
      const h = state.hosts.find((x) => x.handle.pid === pid);
      if (h) h.expectedExit = true;
      return injector.kill(pid, signal, { exited: h?.handle.exited, ...opts });
    },
  };

  const pushPoint = (name: string, point: SamplePoint) => {
    (state.series[name] ??= []).push(point);
    env.emit({ type: 'sample', ...base, series: name, point });
  };

  const sampleEmbedder = (pid: number): EmbedderMemory | undefined => {
    const m = procRss(pid);
    if (!m) return undefined;
    const t = timeline.now();
    pushPoint('embedderRssAnon', { t, value: m.rssAnon });
    pushPoint('embedderRssFile', { t, value: m.rssFile });
    return { pid, rss: m.rssAnon + m.rssFile, rssAnon: m.rssAnon, rssFile: m.rssFile };
  };

  /**
   * One host sample (and the embedder's, when it has one) that never throws and waits at most SAMPLE_DEADLINE_MS:
   * the start and end points of the memory series, so that a short scenario still draws a line.
   */
  const sampleQuietly = async (host: HostHandle, tracked?: TrackedHost): Promise<void> => {
    if (!host.alive || controller.signal.aborted) return;
    try {
      const m = await host.memory({ signal: AbortSignal.any([controller.signal, AbortSignal.timeout(SAMPLE_DEADLINE_MS)]) });
      const t = timeline.now();
      pushPoint('hostHeapUsed', { t, value: m.heapUsed });
      pushPoint('hostRss', { t, value: m.rss });
    } catch { /* a host that cannot answer now is not an error of the scenario */ }
    const pid = tracked?.embedderPid;
    if (pid !== undefined && pid !== host.pid) sampleEmbedder(pid);
  };

  const startHostInner = async (opts?: ScenarioStartHostOptions): Promise<HostHandle> => {
    if (controller.signal.aborted || state.ended) throw new GauntletError('GAUNTLET_CLOSED', `scenario ${owner} is over; no new host`);
    // Start deferred so that the spawn/ready lifecycle events reach the timeline; then start unless asked not to.
    const { adapter: override, ...hostOpts } = opts ?? {};
    const handle = await env.deps.startHost(withOverride(adapter, override), { ...hostOpts, deferStart: true });
    const tracked = trackHost(handle, {
      owner, tracker: env.tracker,
      addTimeline: (kind, label, details, at) => {
        const e = timeline.add(kind, label, details);
        if (at !== undefined) e.t = timeline.fromEpoch(at);
      },
      onRestart: (event) => env.emit({ type: 'restart', ...base, event }),
    });
    state.hosts.push(tracked);
    state.ledger.watch(handle);
    // Each embedder (re)start is a memory sample: restarts show on the memory chart even without a sampler.
    handle.on('lifecycle', (ev) => {
      if (ev.type === 'ready' && typeof ev.pid === 'number' && ev.pid !== handle.pid && !state.ended) sampleEmbedder(ev.pid);
    });
    // The scenario's close() takes a last sample first: with the one taken at start, every host has a line.
    // Every embed / embed-batch goes through the ledger (outcome of each request; capped deadline).
    const view = tracked.view;
    const ledger = state.ledger;
    tracked.view = new Proxy(view, {
      get(target, prop) {
        if (prop === 'embed') return (text: string, o?: Parameters<HostHandle['embed']>[1]) => ledger.embed(target, text, o);
        if (prop === 'embedBatch') return (texts: string[], o?: Parameters<HostHandle['embedBatch']>[1]) => ledger.embedBatch(target, texts, o);
        if (prop !== 'close') return Reflect.get(target, prop, target);
        return async (closeOpts?: Parameters<HostHandle['close']>[0]) => {
          await sampleQuietly(target, tracked);
          return target.close(closeOpts);
        };
      },
    });
    timeline.add('spawn', `host pid ${handle.pid}`, { role: 'host', pid: handle.pid });
    if (state.ended) {
      tracked.expectedExit = true;
      await handle.close({ deadlineMs: 2000, killAfterMs: 1000 });
      throw new GauntletError('GAUNTLET_CLOSED', `scenario ${owner} ended while a host was starting; it was closed`);
    }
    if (!opts?.deferStart) {
      await handle.start({ signal: controller.signal });
      await sampleQuietly(handle, tracked);
    }
    return tracked.view;
  };

  const ctx: ScenarioContext = {
    scenario: { id: def.id, title: def.title },
    // A frozen copy: a host that needs another model or command says so in startHost({ adapter }).
    adapter: Object.freeze({ ...adapter, config: Object.freeze({ ...adapter.config }) }),
    sizes: env.quick ? def.quick : def.full,
    quick: env.quick,
    seed: env.seed,
    rng: createRng(env.seed, def.id, adapter.name),
    signal: controller.signal,
    deadline: (ms) => AbortSignal.any([controller.signal, AbortSignal.timeout(Math.max(0, ms))]),
    remainingMs: () => Math.max(0, state.deadlineAt - performance.now()),
    timeline,
    faults: state.faults,
    embedderTree: (pid) => env.tracker.treeOf(owner, pid),

    async startHost(opts) {
      const t0 = performance.now();
      try {
        return await startHostInner(opts);
      } finally {
        state.hostStart.ms += performance.now() - t0;
        state.hostStart.count++;
      }
    },


    async sampleHost(host, opts = {}) {
      const m = await host.memory({ gc: opts.gc, signal: controller.signal });
      const t = timeline.now();
      pushPoint('hostHeapUsed', { t, value: m.heapUsed });
      pushPoint('hostRss', { t, value: m.rss });
      return m;
    },
    sampleEmbedder,
    startSampling(host, opts = {}) {
      const tracked = state.hosts.find((h) => h.view === host || h.handle === host);
      let busy: Promise<void> | undefined;
      const tick = () => {
        if (busy || !host.alive || controller.signal.aborted) return busy;
        busy = (async () => {
          try {
            await ctx.sampleHost(host, { gc: opts.gc });
            const pid = tracked?.embedderPid ?? (await host.embedderPid({ signal: controller.signal }).catch(() => undefined));
            if (pid) sampleEmbedder(pid);
          } catch { /* a sample lost to a crash is not an error of the scenario */ }
          busy = undefined;
        })();
        return busy;
      };
      // A sample now and one when stopped: a run shorter than the interval still has a start and an end point.
      void tick();
      const timer = setInterval(tick, Math.max(20, opts.intervalMs ?? 250));
      let stopped = false;
      const stop = (): Promise<void> => {
        clearInterval(timer);
        state.samplers.delete(stop);
        if (stopped) return Promise.resolve();
        stopped = true;
        // The last sample waits for one in flight; awaiting stop() is optional (the runner does not).
        return (async () => { await busy; await tick(); })().catch(() => undefined);
      };
      state.samplers.add(stop);
      return stop;
    },

    metric(name, value, from) {
      state.metrics[name] = value === null || Number.isFinite(value) ? value : null;
      if (from) state.links[name] = from;
    },
    breakdown(metric, by, parts) {
      state.breakdowns[metric] = { by, parts: parts.map((p) => ({ ...p, value: p.value === null || Number.isFinite(p.value) ? p.value : null })) };
    },
    series(name, points) {
      if (typeof points === 'number') pushPoint(name, { t: timeline.now(), value: points });
      else for (const p of points) pushPoint(name, p);
    },
    latency(name, durations, errors = 0, metric) {
      const s = summarizeLatencies(durations, errors);
      state.latency[name] = s;
      state.samples[name] = durations.slice();
      for (const stat of LATENCY_STATS) {
        state.links[`latency.${name}.${stat}`] = { samples: name, stat };
        if (metric) state.links[`${metric}.${stat}`] = { samples: name, stat };
      }
      return s;
    },
    note(text) {
      state.notes.push(text);
      timeline.add('note', text);
    },
    error(code, message, extra = {}) {
      state.errors.push({ code, message, ...extra });
      timeline.add('error', `${code}: ${message}`);
    },

    model: env.model,
    tmpDir: env.tmpDir,
    ...(env.golden ? { golden: env.golden } : {}),
    generateModel(name, opts) {
      if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new Error(`generateModel: name must be a plain file name, got ${JSON.stringify(name)}`);
      const out = path.join(env.tmpDir, `${name}-${opts.seed}.gguf`);
      let p = env.models.get(out);
      if (!p) {
        p = env.deps.generateModel({ ...opts, out });
        env.models.set(out, p);
        p.catch(() => env.models.delete(out));
      }
      return p;
    },
    oracle(modelPath = env.model.path) {
      let p = env.oracles.get(modelPath);
      if (!p) {
        p = env.deps.loadOracle(modelPath);
        env.oracles.set(modelPath, p);
        p.catch((e: unknown) => {
          env.oracles.delete(modelPath);
          env.oracleErrors?.set(modelPath, e instanceof Error ? e.message : String(e));
        });
      }
      return p;
    },
  };
  return { ctx, state };
}
