/** Text output of `gauntlet bench`: one table per section, then one line per target. */
import type { BenchResult, BenchTarget } from './types.ts';

function table(head: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null ? 'n/a' : String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r, n) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

const size = (b: number) => (b >= 1024 * 1024 ? `${b / (1024 * 1024)} MiB` : b >= 1024 ? `${b / 1024} KiB` : `${b} B`);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const mibN = (b: number | null) => (b === null ? null : Math.round((b / (1024 * 1024)) * 10) / 10);
const mib = (b: number) => `${mibN(b)} MiB`;

export function formatValue(t: Pick<BenchTarget, 'value' | 'unit'>): string {
  if (t.value === null) return 'n/a';
  if (t.unit === 'errors') return `${t.value} errors`;
  const abs = Math.abs(t.value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const v = t.value.toFixed(digits);
  return t.unit === 'x' ? `${v}x` : `${v} ${t.unit}`;
}

export function formatTargetLine(t: BenchTarget): string {
  const word = t.judgement ?? (t.pass ? 'PASS' : 'MISS');
  const iv = t.interval ? ` [95% ${bound(t, t.interval.lo)} to ${bound(t, t.interval.hi)}, n=${t.interval.n}]` : '';
  const noisy = word === 'too noisy to judge' ? ` (${t.pass ? 'meets' : 'misses'} it as measured; the interval is wider than +/-20%)` : '';
  return `${word === 'too noisy to judge' ? 'NOISY' : word}  ${t.name}: measured ${formatValue(t)}${iv}, target ${t.target}${noisy}`;
}

function bound(t: BenchTarget, v: number | null): string {
  return v === null ? 'unbounded' : formatValue({ value: v, unit: t.unit });
}

/** "12.5 [11.9-13.2]" for a table cell: a p50 with its 95 % interval. */
function withInterval(v: number, lo: number | null | undefined, hi: number | null | undefined): string {
  if (lo === undefined && hi === undefined) return String(v);
  return `${v} [${lo ?? '?'}-${hi ?? '?'}]`;
}

export function formatSections(r: BenchResult): string {
  const out: string[] = [];
  if (r.codecs) {
    out.push('Codecs: encode + decode of one frame (p50, same run)');
    out.push(table(['codec', 'payload', 'frame bytes', 'p50 us [95%]', 'p99 us', 'ops/s', 'x msgpack-bin'],
      r.codecs.rows.map((x) => [x.codec, x.payload, x.frameBytes, withInterval(x.p50Us, x.p50LoUs, x.p50HiUs), x.p99Us, x.opsPerSec, x.slowdownVsBin])));
  }
  if (r.transports) {
    const t = r.transports;
    out.push('', `Transports: control round trip (ping -> pong) to ${t.peer}`);
    out.push(table(['transport', 'codec', 'p50 us [95%]', 'p99 us', 'msg/s (1 at a time)', `msg/s (${t.pings[0]?.pipelineWindow ?? 0} in flight)`, 'samples', 'cores busy (others)'],
      t.pings.map((p) => [p.transport, p.codec, withInterval(p.p50Us, p.p50LoUs, p.p50HiUs), p.p99Us, p.sequentialMsgsPerSec, p.pipelinedMsgsPerSec, p.samples ?? '-',
        p.machineBusy === undefined ? '-' : `${pct(p.machineBusy)} (${pct(p.othersBusy ?? 0)})`])));
    out.push('', 'Transports: transfers (payload out, small ack back)');
    out.push(table(['transport', 'codec', 'payload', 'size', 'p50 ms [95%]', 'p99 ms', 'msg/s', 'MB/s', 'samples', 'cores busy (others)'],
      t.transfers.map((x) => [x.transport, x.codec, x.payload, size(x.bytes), withInterval(x.p50Ms, x.p50LoMs, x.p50HiMs), x.p99Ms, x.msgsPerSec, x.mbPerSec, x.samples,
        x.machineBusy === undefined ? '-' : `${pct(x.machineBusy)} (${pct(x.othersBusy ?? 0)})`])));
    if (t.ndjsonCodecShare) {
      const c = t.ndjsonCodecShare;
      out.push('', `NDJSON 1 KiB round trip (stdio): p50 ${c.roundTripP50Us} us; JSON stringify+parse ${c.jsonUs} us (${pct(c.jsonShare)}), `
        + `UTF-8 encode+decode ${c.textUs} us (${pct(c.textShare)})`);
    }
    if (t.connections) {
      const c = t.connections;
      out.push('', `Connection stress: ${c.connections} concurrent Unix-socket connections to ${c.server}`);
      out.push(`  answered ${c.answered}/${c.connections}, errors ${c.errors}${c.errorKinds.length ? ` (${c.errorKinds.map((k) => `${k.count} x ${k.what}`).join('; ')})` : ''}, ${c.wallMs} ms`);
      out.push(`  server RSS ${mib(c.rssBeforeBytes)} before, ${mib(c.rssAfterBytes)} with ${c.openAtMeasure} open -> ${(c.perConnectionBytes / 1024).toFixed(1)} KiB per connection`);
      for (const n of c.notes) out.push(`note: ${n}`);
    }
    if (t.shm) {
      const c = t.shm.connections;
      out.push('', t.shm.available
        ? `Shared memory (seed 004): rings of ${t.shm.ringBytes} bytes${c ? `; ${c.connections} connections, each with a region, cost the server ${(c.perConnectionBytes / 1024).toFixed(1)} KiB each (errors ${c.errors})` : ''}`
        : `Shared memory (seed 004): not measured: ${t.shm.reason}`);
    }
    if (t.contention?.length) {
      out.push(`Cores busy during the transfers (of ${t.contention[0]!.cores}; others = processes outside this bench): `
        + t.contention.map((c) => `${size(c.bytes)} ${pct(c.machineBusy)} (others ${pct(c.othersBusy)})`).join(', '));
    }
    for (const n of t.notes) out.push(`note: ${n}`);
  }
  if (r.isolation) {
    const iso = r.isolation;
    out.push('', 'Isolation: embeddings per second, same model, external process vs in-process');
    for (const m of iso.models) out.push(`model ${m.preset}: ${m.label}; ${m.dims} dims, ${m.bytes} bytes`);
    out.push(table(['model', 'adapter', 'lanes', 'mode', 'emb/s (median)', 'ext/in-process', 'CPU us/emb', 'CPU ext/in-process'],
      iso.rows.map((x) => {
        const ratio = iso.ratios.find((q) => q.model === x.model && q.adapter === x.adapter && q.lanes === x.lanes && q.mode === x.mode);
        return [x.model, x.adapter, x.lanes, x.mode, x.embeddingsPerSec, ratio ? ratio.ratio : '-', x.cpuUsPerEmbedding, ratio ? ratio.cpuRatio : '-'];
      })));
    if (iso.adapterPings.length) {
      out.push(table(['model', 'adapter (ping via supervisor)', 'lanes', 'p50 us', 'p99 us'], iso.adapterPings.map((p) => [p.model, p.adapter, p.lanes, p.p50Us, p.p99Us])));
    }
    if (iso.hostRss) {
      const h = iso.hostRss;
      out.push('', `Host RSS per design (${h.model} model, ${h.modelBytes} bytes): reduction ${pct(h.reduction)}`);
      out.push(table(['design', 'adapter', 'host RSS MiB', 'anon MiB', 'file MiB', 'heap used MiB', 'embedder RSS MiB'],
        h.rows.map((x) => [x.design, x.adapter, mibN(x.hostRssBytes), mibN(x.hostRssAnonBytes), mibN(x.hostRssFileBytes), mibN(x.hostHeapUsedBytes), mibN(x.embedderRssBytes)])));
      for (const n of h.notes) out.push(`note: ${n}`);
    }
    for (const n of iso.notes) out.push(`note: ${n}`);
  }
  if (r.overhead) {
    const o = r.overhead;
    out.push('', `Overhead: ${o.sampler}, probes ${o.probes.join(', ')}, every ${o.intervalMs} ms`);
    out.push(`  CPU per tick ${o.tickCpuUs} us (wall p50 ${o.tickWallP50Us} us) -> ${o.cpuPercentOfCore}% of a core; `
      + `Sampler's own account ${o.selfReportedCpuPercentOfCore}% over ${o.ticks} ticks (mean tick ${o.meanTickMs} ms)`);
    out.push(`  heap kept per tick: ${o.heapBytesPerTick ?? 'n/a'} bytes`);
    out.push(`  embed latency p50 (reference-uds, tiny): sampler off ${o.latencyOffP50Us ?? 'n/a'} us, on ${o.latencyOnP50Us ?? 'n/a'} us, `
      + `shift ${o.latencyShiftPercent ?? 'n/a'}% (medians of ${o.rounds} alternated rounds)`);
    for (const n of o.notes) out.push(`note: ${n}`);
  }
  for (const s of r.skipped) out.push('', `SKIPPED ${s.section}: ${s.reason}`);
  const e = r.environment;
  out.push('', `environment: ${e.cpus} x ${e.cpuModel}, node ${e.node}, load average ${e.loadavgBefore.join(' ')} before, `
    + `${e.loadavgAfter.join(' ')} after; ${e.quick ? 'quick run, ' : ''}${(e.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

export function formatTargets(targets: BenchTarget[]): string {
  const pass = targets.filter((t) => t.pass).length;
  const noisy = targets.filter((t) => t.judgement === 'too noisy to judge').length;
  return ['Targets:', ...targets.map(formatTargetLine), `${pass}/${targets.length} targets met${noisy ? `; ${noisy} too noisy to judge (95% interval wider than +/-20%)` : ''}`].join('\n');
}
