/**
 * A realistic, seeded RunReport for reporter development and tests, until real runs exist:
 * 14 scenarios x 5 adapters, memory series of a few hundred points, restart timelines, latency histograms,
 * and one in-process run whose host died with SIGABRT. Same seed, same report.
 */
import { REPORT_SCHEMA_VERSION } from './schema.ts';
import type { LatencySummary, RunReport, SamplePoint, ScenarioResult, TimelineEvent, VerdictRow } from './schema.ts';
import { summarizeVerdicts } from './summary.ts';

const MiB = 1024 * 1024;

export const SAMPLE_ADAPTERS = ['reference', 'reference-uds', 'reference-ndjson', 'reference-http', 'in-process'];

const SCENARIOS: Array<{ id: string; title: string; seconds: number; memory: boolean; latency: string[]; kills: number }> = [
  { id: 'cold-start', title: 'Cold start: spawn to first embedding', seconds: 6, memory: true, latency: [], kills: 0 },
  { id: 'latency', title: 'Latency: single texts and batches of 10', seconds: 12, memory: true, latency: ['single', 'batch10'], kills: 0 },
  { id: 'throughput', title: 'Throughput: sequential and batched', seconds: 10, memory: true, latency: ['single'], kills: 0 },
  { id: 'forced-kill', title: 'Forced kill: SIGKILL, SIGTERM, SIGSEGV idle and mid-request', seconds: 20, memory: true, latency: ['single'], kills: 3 },
  { id: 'restart-storm', title: 'Restart storm: repeated kills and a permanently broken embedder', seconds: 30, memory: true, latency: ['single'], kills: 8 },
  { id: 'hang', title: 'Hang: SIGSTOP until the request deadline fires', seconds: 15, memory: true, latency: [], kills: 1 },
  { id: 'concurrent-embeds', title: 'Concurrent embeds: 1 to 32 at once', seconds: 14, memory: true, latency: ['c1', 'c8', 'c32'], kills: 0 },
  { id: 'memory-pressure', title: 'Memory pressure: host growth and embedder under a limit', seconds: 40, memory: true, latency: ['single'], kills: 0 },
  { id: 'pipe-disconnect', title: 'Pipe disconnect: closes, half-open, sliced frames, garbage', seconds: 12, memory: false, latency: [], kills: 0 },
  { id: 'corrupt-gguf', title: 'Corrupt GGUF: the corruption catalogue', seconds: 25, memory: false, latency: [], kills: 0 },
  { id: 'model-file-changed', title: 'Model file changed on disk while loaded', seconds: 9, memory: false, latency: [], kills: 0 },
  { id: 'parent-exit', title: 'Parent exit: no orphan embedder', seconds: 5, memory: false, latency: [], kills: 0 },
  { id: 'bad-input', title: 'Bad input: empty, huge, invalid UTF-8, long batches', seconds: 6, memory: false, latency: ['single'], kills: 0 },
  { id: 'soak', title: 'Soak: leak slope over many requests', seconds: 60, memory: true, latency: ['single'], kills: 0 },
];

interface ClaimDef {
  id: string; severity: 'required' | 'advisory'; threshold: string; unit: string; source: string; scenarios: string[];
  value: (adapter: string, r: Rng) => number | null;
}

const CLAIMS: ClaimDef[] = [
  { id: 'host-rss-max', severity: 'required', threshold: 'max<100MB', unit: 'bytes', source: 'seed 000 §Memory; seed 001 §Performance targets', scenarios: ['memory-pressure', 'soak'], value: (a, r) => (a === 'in-process' ? 92 : 58 + r.next() * 8) * MiB },
  { id: 'host-heap-growth', severity: 'required', threshold: 'max<10MB', unit: 'bytes', source: 'seed 001 §Memory', scenarios: ['memory-pressure'], value: (_a, r) => (1.5 + r.next() * 2) * MiB },
  { id: 'embedder-working-set', severity: 'advisory', threshold: 'max<50MB', unit: 'bytes', source: 'seed 000 §Process model', scenarios: ['memory-pressure'], value: (a, r) => (a === 'in-process' || a === 'reference-http' ? null : (38 + r.next() * 6) * MiB) },
  { id: 'embed-latency-p50', severity: 'required', threshold: 'p50<25ms', unit: 'ms', source: 'seed 001 §Performance targets', scenarios: ['latency'], value: (a, r) => (a === 'reference-http' ? 3.1 : 0.9) + r.next() },
  { id: 'ipc-latency-mean', severity: 'required', threshold: 'mean<10ms', unit: 'ms', source: 'seed 000 §IPC', scenarios: ['latency'], value: (a, r) => (a === 'in-process' ? null : 0.4 + r.next() * 0.6) },
  { id: 'batch10-latency', severity: 'required', threshold: 'p50<100ms', unit: 'ms', source: 'seed 001 §Performance targets', scenarios: ['latency'], value: (_a, r) => 6 + r.next() * 4 },
  { id: 'cold-start', severity: 'required', threshold: 'max<5s', unit: 'ms', source: 'seed 001 §Performance targets', scenarios: ['cold-start'], value: (_a, r) => 380 + r.next() * 300 },
  { id: 'restart-after-kill', severity: 'required', threshold: 'p50<3s', unit: 'ms', source: 'seed 001 §Recovery', scenarios: ['forced-kill', 'restart-storm'], value: (a, r) => (a === 'in-process' ? null : 700 + r.next() * 400) },
  { id: 'throughput-single', severity: 'advisory', threshold: 'rate>40', unit: 'req/s', source: 'seed 001 §Performance targets', scenarios: ['throughput'], value: (a, r) => (a === 'reference-http' ? 31 + r.next() * 4 : 300 + r.next() * 200) },
  { id: 'throughput-batch', severity: 'required', threshold: 'rate>100', unit: 'texts/s', source: 'seed 001 §Performance targets', scenarios: ['throughput'], value: (_a, r) => 600 + r.next() * 400 },
  { id: 'host-crashes', severity: 'required', threshold: 'count==0', unit: 'count', source: 'seed 000 §Crash isolation', scenarios: ['forced-kill', 'corrupt-gguf', 'restart-storm'], value: (a) => (a === 'in-process' ? 1 : 0) },
  { id: 'availability-under-kills', severity: 'required', threshold: 'rate>=0.99', unit: 'ratio', source: 'seed 001 §Recovery', scenarios: ['restart-storm'], value: (a, r) => (a === 'in-process' ? null : 0.992 + r.next() * 0.008) },
  { id: 'msgpack-vs-ndjson', severity: 'advisory', threshold: 'ratio<=0.5', unit: 'ratio', source: 'seed 004 §Benchmarks', scenarios: ['latency'], value: (a, r) => (a === 'reference' || a === 'reference-uds' ? 0.7 + r.next() * 0.1 : null) },
  { id: 'concurrent-no-crash', severity: 'required', threshold: 'count==0', unit: 'count', source: 'seed 003 §Reproduction', scenarios: ['concurrent-embeds'], value: () => 0 },
  { id: 'control-rtt', severity: 'advisory', threshold: 'p50<0.1ms', unit: 'ms', source: 'seed 004 §Targets', scenarios: ['latency'], value: (a, r) => (a === 'in-process' ? null : 0.03 + r.next() * 0.05) },
];

/** mulberry32: a tiny seeded PRNG, enough for plausible data. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function series(r: Rng, seconds: number, points: number, base: number, slope: number, noise: number, faults: number[]): SamplePoint[] {
  const out: SamplePoint[] = [];
  for (let i = 0; i < points; i++) {
    const t = Math.round((i * seconds * 1000) / (points - 1));
    const dip = faults.some((f) => t >= f && t < f + 400) ? 0.6 : 1;
    out.push({ t, value: Math.round((base + slope * (t / 1000) + (r.next() - 0.5) * noise) * dip) });
  }
  return out;
}

function latency(r: Rng, center: number, count: number): LatencySummary {
  const hist: Array<[number, number]> = [];
  let left = count;
  for (let i = 0; i < 24 && left > 0; i++) {
    const ub = +(center * 0.4 * 1.15 ** i).toFixed(3);
    const c = i === 23 ? left : Math.min(left, Math.round(count * Math.exp(-((i - 7) ** 2) / 10) * 0.18 + r.next() * 2));
    hist.push([ub, c]);
    left -= c;
  }
  const p = (q: number) => +(center * q * (0.95 + r.next() * 0.1)).toFixed(3);
  return { count, errors: 0, min: p(0.45), p50: p(1), p90: p(1.6), p99: p(2.7), max: p(4.5), mean: p(1.15), histogram: hist };
}

function scenarioResult(r: Rng, s: (typeof SCENARIOS)[number], adapter: string): ScenarioResult {
  const inProc = adapter === 'in-process';
  const durationMs = Math.round(s.seconds * 1000 * (0.9 + r.next() * 0.2));
  const base: ScenarioResult = { scenario: s.id, title: s.title, adapter, status: 'completed', durationMs, metrics: {}, timeline: [], errors: [], notes: [] };
  if (inProc && (s.id === 'parent-exit' || s.id === 'forced-kill' || s.id === 'hang')) {
    return { ...base, status: 'skipped', durationMs: 0, notes: ['The in-process adapter has no separate embedder process to kill, stop or orphan.'] };
  }
  const timeline: TimelineEvent[] = [{ t: 0, kind: 'spawn', label: 'embedder spawned' }, { t: 180 + Math.round(r.next() * 200), kind: 'ready', label: 'initialized' }];
  const faults: number[] = [];
  for (let k = 0; k < s.kills; k++) {
    const t = Math.round(((k + 1) * durationMs) / (s.kills + 1));
    const signal = ['SIGKILL', 'SIGTERM', 'SIGSEGV'][k % 3];
    const back = Math.round(600 + r.next() * 500);
    faults.push(t);
    timeline.push({ t, kind: 'fault', label: `${signal} ${k % 2 ? 'mid-request' : 'idle'}`, details: { signal } });
    timeline.push({ t: t + 3, kind: 'crash', label: `embedder exited by ${signal}`, details: { signal } });
    timeline.push({ t: t + 5 + Math.round(r.next() * 30), kind: 'restart', label: `restart ${k + 1}` });
    timeline.push({ t: t + back, kind: 'ready', label: `ready after ${back} ms`, details: { restartMs: back } });
  }
  if (s.id === 'restart-storm') timeline.push({ t: durationMs - 900, kind: 'give-up', label: 'broken embedder: gave up after 5 restarts in 10 s' });
  if (s.id === 'hang') timeline.push({ t: 2000, kind: 'hang', label: 'SIGSTOP' }, { t: 32000 > durationMs ? durationMs - 500 : 32000, kind: 'restart', label: 'deadline fired, embedder replaced' });
  base.timeline = timeline.sort((a, b) => a.t - b.t);
  if (s.memory) {
    const points = s.seconds >= 30 ? 300 + Math.round(r.next() * 150) : 40 + Math.round(r.next() * 80);
    const hostRss = inProc ? 88 * MiB : 60 * MiB;
    base.series = {
      hostHeapUsed: series(r, durationMs / 1000, points, 9 * MiB, s.id === 'soak' ? 12_000 : 3_000, 2 * MiB, []),
      hostRss: series(r, durationMs / 1000, points, hostRss, 20_000, 3 * MiB, []),
      ...(inProc ? {} : {
        embedderRssAnon: series(r, durationMs / 1000, points, 34 * MiB, 0, 2 * MiB, faults),
        embedderRssFile: series(r, durationMs / 1000, points, 0.35 * MiB, 0, 0.02 * MiB, faults),
      }),
    };
  }
  const center = adapter === 'reference-http' ? 3.2 : adapter === 'reference-ndjson' ? 1.4 : 1;
  if (s.latency.length) base.latency = Object.fromEntries(s.latency.map((k) => [k, latency(r, k === 'batch10' ? center * 7 : k === 'c32' ? center * 9 : center, s.id === 'soak' ? 5000 : 400)]));
  const m = base.metrics;
  if (base.latency?.single) { m['embed.latency.p50'] = base.latency.single.p50; m['embed.latency.p99'] = base.latency.single.p99; }
  if (base.latency?.batch10) m['embed.batch10.latency.p50'] = base.latency.batch10.p50;
  if (s.id === 'cold-start') m['coldStart.readyMs.max'] = Math.round(380 + r.next() * 300);
  if (s.id === 'throughput') { m['throughput.single'] = +(adapter === 'reference-http' ? 33 : 350 + r.next() * 100).toFixed(1); m['throughput.batchTexts'] = Math.round(700 + r.next() * 300); }
  if (s.kills) { m['restart.recoveryMs.p50'] = Math.round(700 + r.next() * 400); m['restart.recoveryMs.count'] = s.kills; }
  if (s.id === 'forced-kill') m['forcedKill.recoveredRatio'] = 1;
  if (s.id === 'restart-storm') m['restartStorm.availability'] = +(0.992 + r.next() * 0.008).toFixed(4);
  if (s.memory && base.series?.hostRss) m['host.rss.max'] = Math.max(...base.series.hostRss.map((p) => p.value));
  if (s.id === 'soak') m['soak.hostHeapSlope'] = Math.round(40 + r.next() * 60);
  if (s.id === 'corrupt-gguf') { m['corruptGguf.hostCrashes'] = inProc ? 1 : 0; m['corruptGguf.unclearErrors'] = inProc ? 0 : 2; }
  m['host.crashes'] = 0;
  if (inProc && s.id === 'corrupt-gguf') {
    const t = 4100;
    base.status = 'host-died';
    m['host.crashes'] = 1;
    base.timeline.push({ t, kind: 'fault', label: 'load dup-vocab-string.gguf', details: { corruption: 'duplicate-vocab-string' } });
    base.timeline.push({ t: t + 12, kind: 'host-exit', label: 'host died by SIGABRT', details: { signal: 'SIGABRT', exitCode: null } });
    base.errors.push({
      code: 'GAUNTLET_HOST_DIED', message: 'The host process died while loading a corrupt model in-process (duplicate vocabulary string).', signal: 'SIGABRT', exitCode: null,
      stderrTail: 'llama_model_load: loading model from /tmp/gauntlet-7/dup-vocab-string.gguf\nGGML_ASSERT(token_to_id.find(word) == token_to_id.end()) failed\n<script>alert("not html")</script> & </script> <!-- stays text -->\n\u001b[31mAborted (core dumped)\u001b[0m',
    });
    base.notes.push('Loading a model in the host process lets a bad file abort the host; a process adapter would have survived.');
  }
  return base;
}

function verdicts(r: Rng): VerdictRow[] {
  const rows: VerdictRow[] = [];
  for (const c of CLAIMS) for (const adapter of SAMPLE_ADAPTERS) {
    const value = c.value(adapter, r);
    const m = /^(\w+)(<=|>=|==|<|>)([\d.]+)(ms|s|MB)?$/.exec(c.threshold);
    let limit = m ? Number(m[3]) : NaN;
    if (m?.[4] === 's') limit *= 1000;
    if (m?.[4] === 'MB') limit *= MiB;
    const op = m?.[2] ?? '<';
    const ok = value === null ? false : op === '<' ? value < limit : op === '<=' ? value <= limit : op === '>' ? value > limit : op === '>=' ? value >= limit : value === limit;
    const verdict = value === null ? (c.id === 'msgpack-vs-ndjson' || adapter === 'in-process' ? 'not-applicable' : 'inconclusive') : ok ? 'pass' : 'fail';
    const shown = value === null ? 'nothing measured' : c.unit === 'bytes' ? `${(value / MiB).toFixed(1)} MB` : `${+value.toFixed(3)} ${c.unit}`;
    const reason = verdict === 'not-applicable' ? `${adapter} has no ${c.id === 'msgpack-vs-ndjson' ? 'MessagePack transport to compare' : 'separate embedder process'}.`
      : verdict === 'fail' && c.id === 'host-crashes' ? 'The host died by SIGABRT on a corrupt model: loading in-process gives no crash isolation.'
        : verdict === 'inconclusive' ? `No sample of the ${c.id} metric: the harness does not know the pid of the server behind ${adapter}.`
          : `Measured ${shown} against ${c.threshold}.`;
    rows.push({
      claim: c.id, adapter, severity: c.severity, verdict, value: value === null ? null : +value.toFixed(4), unit: c.unit, threshold: c.threshold, source: c.source, reason,
      evidence: { scenarios: c.scenarios, samples: value === null ? 0 : 100 + Math.round(r.next() * 900), notes: verdict === 'fail' ? [`threshold ${c.threshold} missed`] : [] },
    });
  }
  return rows;
}

/** Builds the sample report. Deterministic for a given seed. */
export function sampleReport(seed = 1234): RunReport {
  const r = new Rng(seed);
  const scenarios: ScenarioResult[] = [];
  for (const s of SCENARIOS) for (const a of SAMPLE_ADAPTERS) scenarios.push(scenarioResult(r, s, a));
  const rows = verdicts(r);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION, seed, command: `npx gauntlet run --seed ${seed} --out reports/latest`,
    startedAt: '2025-01-15T10:00:00.000Z', durationMs: scenarios.reduce((s, x) => s + x.durationMs, 0), quick: false,
    environment: { node: 'v20.19.0', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Intel(R) Xeon(R) CPU @ 2.20GHz', totalMemBytes: 8 * 1024 * MiB, nodeLlamaCpp: '3.22.1', gauntlet: '0.1.0', memoryLimitMechanism: 'prlimit --data' },
    model: { path: '.cache/models/tiny-bert-seed1234.gguf', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', dtype: 'F32', bytes: 343_040, dims: 64 },
    adapters: [...SAMPLE_ADAPTERS], scenarios, verdicts: rows,
    bench: { targets: [
      { name: 'control message RTT', target: '<0.1ms (seed 004)', value: 0.041, unit: 'ms', pass: true },
      { name: '1 MB transfer', target: '<1ms (seed 004)', value: 1.7, unit: 'ms', pass: false },
      { name: 'msgpack vs ndjson latency', target: '50-70% lower (seed 004)', value: 0.31, unit: 'ratio', pass: false },
    ] },
    summary: summarizeVerdicts(rows, scenarios),
  };
}
