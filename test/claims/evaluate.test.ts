import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { BENCH_ADAPTER, evaluateClaims } from '../../harness/claims/evaluate.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import type { Claim } from '../../harness/claims/types.ts';

function result(scenario: string, metrics: ScenarioResult['metrics'], extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return { scenario, title: scenario, adapter: 'ref', status: 'completed', durationMs: 10, metrics, timeline: [], errors: [], notes: [], ...extra };
}

function claim(id: string): Claim {
  const c = CLAIMS.find((x) => x.id === id);
  if (!c) throw new Error(`no claim ${id}`);
  return c;
}

function one(id: string, results: ScenarioResult[], adapter: string | { name: string; kind?: 'process' | 'in-process' | 'http' } = 'ref') {
  const rows = evaluateClaims([claim(id)], results, [adapter]);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('evaluateClaims: targets', () => {
  it('passes and fails on the measured figure, with value, unit, source and evidence', () => {
    const pass = one('host-rss-under-100mb', [result('latency', { 'host.rss.max': 84e6 })]);
    expect(pass).toMatchObject({ claim: 'host-rss-under-100mb', adapter: 'ref', verdict: 'pass', value: 84e6, unit: 'bytes', threshold: 'max<100MB', severity: 'required', source: 'seed 000 §CONCLUSION: THIS IS THE ONLY VIABLE APPROACH' });
    expect(pass.reason).toContain('84 MB');
    expect(pass.evidence.scenarios).toEqual(['latency']);
    const fail = one('host-rss-under-100mb', [result('latency', { 'host.rss.max': 120e6 })]);
    expect(fail.verdict).toBe('fail');
    expect(fail.reason).toMatch(/max 120 MB misses max<100MB/);
  });

  it('takes the worst figure across scenarios and sums counts', () => {
    const rss = one('host-rss-under-100mb', [result('cold-start', { 'host.rss.max': 60e6 }), result('soak', { 'host.rss.max': 101e6 })]);
    expect(rss).toMatchObject({ verdict: 'fail', value: 101e6 });
    expect(rss.evidence.scenarios).toEqual(['cold-start', 'soak']);
    expect(rss.evidence.notes?.[0]).toMatch(/cold-start 60 MB, soak 101 MB/);
    const crashes = one('host-never-crashes', [result('forced-kill', { 'host.crashes': 0 }), result('corrupt-gguf', { 'host.crashes': 2 }), result('hang', { 'host.crashes': 1 })]);
    expect(crashes).toMatchObject({ verdict: 'fail', value: 3 });
    const tput = one('throughput-single-over-40-per-s', [result('throughput', { 'throughput.single': 55 }), result('throughput', { 'throughput.single': 39 })]);
    expect(tput).toMatchObject({ verdict: 'fail', value: 39 });
  });

  it('reads latency percentiles from ScenarioResult.latency when metrics lack them', () => {
    const latency = { single: { count: 120, errors: 0, min: 1, p50: 4, p90: 6, p99: 9, max: 12, mean: 4.5, histogram: [] } };
    const row = one('embed-latency-p50-under-25ms', [result('latency', {}, { latency })]);
    expect(row).toMatchObject({ verdict: 'pass', value: 4 });
    expect(row.evidence.samples).toBe(120);
    const slow = one('embed-latency-p50-under-25ms', [result('latency', { 'embed.latency.p50': 30 })]);
    expect(slow.verdict).toBe('fail');
  });

  it('is not-applicable when the claim is about another adapter kind', () => {
    const row = one('embedder-working-set-under-50mb', [result('latency', { 'embedder.rssAnon.max': 1 })], { name: 'ref', kind: 'in-process' });
    expect(row).toMatchObject({ verdict: 'not-applicable', value: null });
    expect(row.reason).toMatch(/applies to process \/ http adapters only; ref is in-process/);
    expect(one('embedder-working-set-under-50mb', [result('latency', { 'embedder.rssAnon.max': 1 })], { name: 'ref', kind: 'process' }).verdict).toBe('pass');
  });

  it('is inconclusive with the reason when the figure is missing', () => {
    expect(one('host-rss-under-100mb', []).reason).toMatch(/no scenario ran for adapter ref/);
    expect(one('restart-under-5s', [result('latency', {})]).reason).toMatch(/forced-kill \/ restart-storm did not run for ref/);
    const skipped = one('restart-under-5s', [result('forced-kill', {}, { status: 'skipped', notes: ['in-process adapters have no embedder to kill'] })]);
    expect(skipped).toMatchObject({ verdict: 'inconclusive', value: null });
    expect(skipped.reason).toMatch(/forced-kill was skipped: in-process adapters have no embedder to kill/);
    // Skipped as not applicable by every scenario that measures it: not-applicable, with each scenario's reason.
    const na = (note: string) => result('forced-kill', {}, { status: 'skipped', notes: [note] });
    const bothNa = one('restart-under-5s', [na('not applicable: no embedder to kill'), result('restart-storm', {}, { status: 'skipped', notes: ['not applicable: no restarts'] })]);
    expect(bothNa).toMatchObject({ verdict: 'not-applicable', value: null });
    expect(bothNa.reason).toBe('forced-kill: no embedder to kill; restart-storm: no restarts');
    // ...but one scenario that ran and said nothing keeps it inconclusive.
    expect(one('restart-under-5s', [na('not applicable: no embedder to kill'), result('restart-storm', {})]).verdict).toBe('inconclusive');
    const died = one('corrupt-gguf-clear-error', [result('corrupt-gguf', {}, { status: 'host-died', errors: [{ code: 'GAUNTLET_EMBEDDER_CRASHED', message: 'host exited', signal: 'SIGABRT' }] })]);
    expect(died.reason).toMatch(/the host died before measuring \(signal SIGABRT\)/);
    expect(one('hang-recovers', [result('hang', { 'hang.recoveredRatio': null })]).reason).toMatch(/hang reported hang.recoveredRatio as null/);
    expect(one('hang-recovers', [result('hang', {})]).reason).toMatch(/hang completed without reporting hang.recoveredRatio/);
    expect(one('hang-recovers', [result('hang', {}, { status: 'timed-out' })]).reason).toMatch(/hang timed out/);
  });

  it('treats non-finite figures as not measured', () => {
    const row = one('host-rss-under-100mb', [result('latency', { 'host.rss.max': Number.NaN })]);
    expect(row.verdict).toBe('inconclusive');
  });

  it('is inconclusive when a precondition does not hold or is missing, and decides once it holds', () => {
    const few = one('embed-latency-mean-under-50ms-over-100', [result('latency', { 'embed.latency.mean': 5, 'embed.latency.count': 20 })]);
    expect(few).toMatchObject({ verdict: 'inconclusive', value: 5 });
    expect(few.reason).toMatch(/precondition embed.latency count>=100 does not hold \(20\)/);
    const none = one('concurrent-embeds-no-crash', [result('concurrent-embeds', { 'concurrent.embedderCrashes': 0 })]);
    expect(none.reason).toMatch(/precondition concurrent.maxInFlight count>=9 was not measured/);
    const ok = one('embed-latency-mean-under-50ms-over-100', [result('latency', { 'embed.latency.mean': 60, 'embed.latency.count': 100 })]);
    expect(ok.verdict).toBe('fail');
  });

  it('reports bench-only claims once, under the bench pseudo-adapter', () => {
    const rows = evaluateClaims([claim('ipc-control-rtt-p50-under-0.1ms')], [], ['a', 'b']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ adapter: BENCH_ADAPTER, verdict: 'inconclusive' });
    expect(rows[0]!.reason).toMatch(/--bench quick`.*`gauntlet bench`.*--bench-results/);
    const bench = result('bench', { 'bench.ipc.controlRtt.p50': 0.05 }, { adapter: '*' });
    expect(evaluateClaims([claim('ipc-control-rtt-p50-under-0.1ms')], [bench], ['a'])[0]).toMatchObject({ verdict: 'pass', value: 0.05 });
  });

  it('evaluates every claim for every adapter without throwing', () => {
    const rows = evaluateClaims(CLAIMS, [result('latency', { 'host.rss.max': 1 })], ['ref', { name: 'inproc', kind: 'in-process' }]);
    const bench = CLAIMS.filter((c) => resolveClaim(c).resolved.def.scenarios.every((s) => s === 'bench')).length;
    expect(rows).toHaveLength((CLAIMS.length - bench) * 2 + bench);
    for (const r of rows) expect(r.reason.length).toBeGreaterThan(10);
  });
});

describe('evaluateClaims: theses', () => {
  const bigLoad = (crashed: number, extra: Record<string, number> = {}) => [
    result('memory-pressure', {
      'inProcess.load.hostCrashed': crashed, 'inProcess.load.modelBytes': 1e9, 'host.heapUsed.loadDelta': 3e5,
      'host.external.loadDelta': 1e9, 'memory.model.rssFileDelta': 1e9, ...extra,
    }),
  ];

  it('says plainly when a thesis is refuted, with context and the real risk measured', () => {
    const row = one('thesis-inprocess-gguf-crashes-v8', [...bigLoad(0), result('corrupt-gguf', { 'corruptGguf.hostCrashes': 13 })], { name: 'ref', kind: 'in-process' });
    expect(row.verdict).toBe('fail');
    expect(row.reason).toMatch(/^refuted: a large GGUF loaded inside the host did not crash V8/);
    expect(row.reason).toContain('inProcess.load.modelBytes 1 GB');
    expect(row.reason).toContain('host.heapUsed.loadDelta 300 KB');
    expect(row.reason).toContain('host.external.loadDelta 1 GB');
    expect(row.reason).toMatch(/the real risk measured: corrupt or malformed GGUF files abort the host \(SIGABRT\) during load \(corruptGguf.hostCrashes = 13\)/);
  });

  it('says when no listed risk was measured', () => {
    const row = one('thesis-inprocess-gguf-crashes-v8', bigLoad(0), { name: 'ref', kind: 'in-process' });
    expect(row.reason).toMatch(/no other risk from this thesis's list was measured/);
  });

  it('confirms a thesis when the measurement agrees', () => {
    const row = one('thesis-inprocess-gguf-crashes-v8', bigLoad(1), { name: 'ref', kind: 'in-process' });
    expect(row.verdict).toBe('pass');
    expect(row.reason).toMatch(/^confirmed: /);
  });

  it('will not refute a thesis about a 4.3 GB model with a tiny one', () => {
    const row = one('thesis-inprocess-gguf-crashes-v8', bigLoad(0, { 'inProcess.load.modelBytes': 343_000 }), { name: 'ref', kind: 'in-process' });
    expect(row.verdict).toBe('inconclusive');
    expect(row.reason).toMatch(/does not hold \(343 KB\)/);
  });

  it('is not-applicable to process adapters', () => {
    expect(one('thesis-inprocess-gguf-crashes-v8', bigLoad(0), { name: 'ref', kind: 'process' }).verdict).toBe('not-applicable');
  });

  // thesis-large-allocation-crashes-v8 (seed 002): decided by the in-process host loading with mmap off, both ways.
  const noMmap = (crashed: number | null, bytes = 250e6) => [
    result('memory-pressure', {
      'inProcess.loadNoMmap.hostCrashed': crashed, 'inProcess.loadNoMmap.modelBytes': bytes,
      'inProcess.loadNoMmap.rssAnonDelta': 320e6, 'inProcess.jsAlloc.crashed': 0,
    }),
  ];
  const inproc = { name: 'ref', kind: 'in-process' } as const;

  it('large allocation: refuted with the anonymous-memory figures when the mmap-off host lived', () => {
    const row = one('thesis-large-allocation-crashes-v8', noMmap(0), inproc);
    expect(row.verdict).toBe('fail');
    expect(row.reason).toMatch(/^refuted: a model copied into anonymous memory inside the host \(mmap off\) did not crash V8/);
    expect(row.reason).toContain('inProcess.loadNoMmap.rssAnonDelta 320 MB');
  });

  it('large allocation: confirmed when the mmap-off host died; inconclusive without a measurement or below 100 MB', () => {
    expect(one('thesis-large-allocation-crashes-v8', noMmap(1), inproc)).toMatchObject({ verdict: 'pass', reason: expect.stringMatching(/^confirmed: /) });
    expect(one('thesis-large-allocation-crashes-v8', noMmap(null), inproc).verdict).toBe('inconclusive');
    expect(one('thesis-large-allocation-crashes-v8', noMmap(0, 30e6), inproc).verdict).toBe('inconclusive');
  });
});

describe('evaluateClaims: features an engine never promised', () => {
  const over = [result('bad-input', { 'limits.frame.acceptedBytes.max': 69_700, 'limits.batch.acceptedTexts.max': 11 })];
  it.each(['frame-limit-64kb', 'batch-limit-10'])('%s: not applicable to an http server that does not enforce gauntlet\'s limits, decided when it does', (id) => {
    const rows = evaluateClaims([claim(id)], over, [
      { name: 'ref', kind: 'http', enforcesLimits: false },
    ]);
    expect(rows[0]).toMatchObject({ verdict: 'not-applicable', value: null });
    expect(rows[0]!.reason).toMatch(/does not promise gauntlet's frame and batch limits.*enforcesLimits: true/);
    expect(evaluateClaims([claim(id)], over, [{ name: 'ref', kind: 'http', enforcesLimits: true }])[0]!.verdict).toBe('fail');
    expect(evaluateClaims([claim(id)], over, [{ name: 'ref', kind: 'process', enforcesLimits: true }])[0]!.verdict).toBe('fail');
  });

  it('the default: process adapters promise the limits, http adapters do not, gauntlet\'s own http server does', async () => {
    const { enforcesLimits } = await import('../../harness/adapters/types.ts');
    const { defaultAdapters } = await import('../../harness/config/defaults.ts');
    const d = defaultAdapters();
    expect(enforcesLimits(d.reference!)).toBe(true);
    expect(enforcesLimits(d['reference-http']!)).toBe(true);
    expect(enforcesLimits({ kind: 'http', baseUrl: 'http://127.0.0.1:1' })).toBe(false);
    expect(enforcesLimits({ kind: 'process', command: ['x'], transport: 'stdio', codec: 'ndjson', enforcesLimits: false })).toBe(false);
  });
});

describe('evaluateClaims: a figure measured in parts (breakdowns)', () => {
  const parts = (cjk: number, emoji: number) => ({
    'correctness.minCosine': {
      by: 'category',
      parts: [
        { key: 'ascii', label: 'plain ASCII', value: 1, count: 4, worst: 'hello' },
        { key: 'cjk', label: 'CJK', value: cjk, count: 4, worst: '中文\u200d文本' },
        { key: 'emoji', label: 'emoji and astral', value: emoji, count: 4, worst: 'emoji 😀 here' },
      ],
    },
  });
  it('judges every part by the claim\'s threshold and names the parts that miss, worst first, with their worst text', () => {
    const row = one('embeddings-match-reference', [result('corpus', { 'correctness.minCosine.min': 0 }, { breakdowns: parts(0.41, 0) })]);
    expect(row.verdict).toBe('fail');
    expect(row.evidence.breakdown?.parts.map((p) => [p.key, p.verdict, p.scenario])).toEqual([['ascii', 'pass', 'corpus'], ['cjk', 'fail', 'corpus'], ['emoji', 'fail', 'corpus']]);
    expect(row.reason).toMatch(/by category: emoji and astral 0 \(worst "emoji 😀 here"\), CJK 0\.41\d* \(worst "中文\\u200d文本"\); every other category meets min>=0\.9999/);
  });
  it('a pass keeps the parts as evidence and says nothing more; a miss outside every part says so', () => {
    const ok = one('embeddings-match-reference', [result('corpus', { 'correctness.minCosine.min': 0.99999 }, { breakdowns: parts(0.99999, 1) })]);
    expect(ok.verdict).toBe('pass');
    expect(ok.reason).not.toMatch(/category/);
    expect(ok.evidence.breakdown?.parts.every((p) => p.verdict === 'pass')).toBe(true);
    const elsewhere = one('embeddings-match-reference', [
      result('corpus', { 'correctness.minCosine.min': 1 }, { breakdowns: parts(1, 1) }),
      result('latency', { 'correctness.minCosine.min': 0.5 }),
    ]);
    expect(elsewhere.verdict).toBe('fail');
    expect(elsewhere.reason).toMatch(/every category meets min>=0\.9999: the miss is outside the category breakdown/);
  });
});

describe('evaluateClaims: valid requests and figures whose every sample failed', () => {
  it('valid-requests-succeed sums failures over scenarios and quotes the first ones; 0 passes', () => {
    const quoted = 'latency: embed-batch request #12 (10 texts) at 1.20 s failed with GAUNTLET_BAD_ANSWER: 3 embedding(s) for 10 input(s)';
    const fail = one('valid-requests-succeed', [
      result('latency', { 'requests.validFailed': 5 }, { errors: [{ code: 'GAUNTLET_VALID_REQUEST_FAILED', message: quoted }] }),
      result('throughput', { 'requests.validFailed': 2 }),
    ]);
    expect(fail).toMatchObject({ verdict: 'fail', value: 7, severity: 'required' });
    expect(fail.reason).toContain(`first: latency: ${quoted}`);
    expect(one('valid-requests-succeed', [result('latency', { 'requests.validFailed': 0 })]).verdict).toBe('pass');
  });

  it('a latency figure with no sample because every request failed is a failed claim saying so, not inconclusive', () => {
    const summary = { count: 0, errors: 12, min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0, histogram: [] };
    const row = one('batch10-latency-under-100ms', [result('latency', { 'embed.batch10.latency.p50': null }, { latency: { batch10: summary } })]);
    expect(row.verdict).toBe('fail');
    expect(row.reason).toMatch(/every sample failed: latency answered 0 of 12 request\(s\)/);
    // No sample and no error: still a missing figure.
    const none = one('batch10-latency-under-100ms', [result('latency', { 'embed.batch10.latency.p50': null }, { latency: { batch10: { ...summary, errors: 0 } } })]);
    expect(none.verdict).toBe('inconclusive');
  });
});
