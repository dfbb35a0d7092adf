/**
 * Theses: statements about the world the seeds assert. The threshold is the condition under which the measurement
 * CONFIRMS the statement (pass = confirmed, fail = refuted). All are advisory: a refuted thesis is a finding about
 * the seed's reasoning, not a defect of the adapter; the risks that matter are enforced by required targets.
 */
import { src } from './seeds.ts';
import type { Claim, RealRisk } from './types.ts';

const ADVISORY = 'A thesis about the world, not a property of the adapter: its verdict says whether the seed\'s reasoning holds here. The risks it is about are enforced by required targets (host-never-crashes, corrupt-gguf-host-survives).';

const IN_PROCESS_RISKS: RealRisk[] = [
  { metric: 'corruptGguf.hostCrashes', threshold: 'count>0', says: 'corrupt or malformed GGUF files abort the host (SIGABRT) during load' },
  { metric: 'modelFileChanged.hostCrashes', threshold: 'count>0', says: 'the model file changed on disk while mapped kills the host (SIGBUS)' },
  { metric: 'modelFileChanged.silentBadVectors', threshold: 'count>0', says: 'the model file changed on disk while mapped yields silent NaN or wrong vectors' },
];

const IN_PROCESS_CONTEXT = ['inProcess.load.modelBytes', 'host.heapUsed.loadDelta', 'host.external.loadDelta', 'memory.model.rssAnonDelta', 'memory.model.rssFileDelta'];

export const THESIS_CLAIMS: Claim[] = [
  {
    id: 'thesis-inprocess-gguf-crashes-v8',
    kind: 'thesis',
    title: 'Loading a large GGUF inside the Node process crashes V8',
    statement: 'Any GGUF load in the Node.js process, and a 4.3GB one in particular, will crash V8.',
    refutedMeans: 'a large GGUF loaded inside the host did not crash V8',
    source: src('000', 'CONCLUSION: THIS IS THE ONLY VIABLE APPROACH'),
    alsoIn: [src('000', 'CRITICAL PROBLEM ANALYSIS > Current Architecture FATAL FLAWS'), src('000', '6. FUNDAMENTAL FLAW ANALYSIS > WHAT DOESN\'T WORK')],
    metric: 'inProcess.load.hostCrashed',
    threshold: 'value==true',
    stated: 'a 4.3GB GGUF in the Node.js process WILL crash V8 (4.3GB of tensors on a heap visible to V8)',
    preconditions: [{ metric: 'inProcess.load.modelBytes', threshold: 'value>=100MB', why: 'a tiny model says nothing about a 4.3GB one; 100MB is the smallest size the seeds call fatal (seed 002)' }],
    context: IN_PROCESS_CONTEXT,
    realRisks: IN_PROCESS_RISKS,
    appliesTo: ['in-process'],
    severity: 'advisory',
    rationale: ADVISORY,
  },
  {
    id: 'thesis-large-allocation-crashes-v8',
    kind: 'thesis',
    title: 'A 100 MB+ tensor allocation in the Node process crashes V8',
    statement: 'Allocating a tensor buffer of 100MB or more inside the Node.js process crashes V8 at once.',
    refutedMeans: 'a model copied into anonymous memory inside the host (mmap off) did not crash V8',
    source: src('002', 'CRITICAL PROBLEM CONFIRMED'),
    alsoIn: [src('002', 'PHASE 1: IMMEDIATE REPLACEMENT (CRITICAL) > 1.1 Replace Fatal Function'), src('002', 'PHASE 1: IMMEDIATE REPLACEMENT (CRITICAL) > 1.2 Replace Fatal Dequantization')],
    metric: 'inProcess.loadNoMmap.hostCrashed',
    threshold: 'value==true',
    stated: 'a 100MB+ allocation for tensor data (and another 100MB+ for dequantisation) crashes V8',
    preconditions: [{ metric: 'inProcess.loadNoMmap.modelBytes', threshold: 'value>=100MB', why: 'the thesis is about allocations of 100MB or more' }],
    context: [
      'inProcess.loadNoMmap.modelBytes', 'inProcess.loadNoMmap.rssAnonDelta', 'inProcess.loadNoMmap.rssFileDelta',
      'inProcess.loadNoMmap.heapUsedDelta', 'inProcess.loadNoMmap.externalDelta', 'inProcess.jsAlloc.crashed',
    ],
    realRisks: IN_PROCESS_RISKS,
    appliesTo: ['in-process'],
    severity: 'advisory',
    rationale: `${ADVISORY} Native allocations are outside the V8 heap; the thesis is tested by loading with mmap off (in-process adapter option useMmap: false) so the weights land in the host's anonymous memory, and by filling a 256 MB Float32Array in a Node process as JS dequantisation would.`,
  },
  {
    id: 'thesis-mmap-keeps-model-file-backed',
    kind: 'thesis',
    title: 'Memory-mapping keeps the model out of anonymous memory',
    statement: 'A memory-mapped model is never loaded into process memory: it stays file-backed and reclaimable.',
    refutedMeans: 'loading the model grew anonymous memory instead of file-backed pages',
    source: src('000', '3. MEMORY MANAGEMENT STRATEGY > ZERO-ALLOCATION GGUF LOADING'),
    alsoIn: [src('000', '1. PROCESS SEPARATION ARCHITECTURE'), src('000', '6. FUNDAMENTAL FLAW ANALYSIS > WHAT WILL WORK'), src('001', 'PERFORMANCE EXPECTATIONS > Memory Usage Targets')],
    metric: 'memory.model.fileBackedRatio',
    threshold: 'value>=0.9',
    stated: 'the 4.3GB file is never loaded into memory, only memory-mapped; mmap does not count toward the working set',
    preconditions: [{ metric: 'memory.model.bytes', threshold: 'value>=10MB', why: 'below 10MB the model is lost in allocator noise' }],
    context: ['memory.model.bytes', 'memory.model.rssAnonDelta', 'memory.model.rssFileDelta', 'host.external.loadDelta'],
    realRisks: [
      { metric: 'modelFileChanged.hostCrashes', threshold: 'count>0', says: 'the mapping ties the process to the file: truncating it kills the process holding it (SIGBUS)' },
      { metric: 'modelFileChanged.silentBadVectors', threshold: 'count>0', says: 'the mapping ties the vectors to the file: overwriting it yields silent wrong vectors' },
    ],
    severity: 'advisory',
    rationale: `${ADVISORY} RSS counts mapped pages once touched (llama.cpp populates the mapping at load), so the thesis is checked as "file-backed, not anonymous" rather than "not resident".`,
  },
  {
    id: 'thesis-concurrent-calls-segfault',
    kind: 'thesis',
    title: 'Concurrent calls into one model instance corrupt memory and crash the embedder',
    statement: 'Several threads calling embed on one model instance at once race inside the runtime and end in a segmentation fault.',
    refutedMeans: 'the embedder survived 9 or more concurrent calls on one model',
    source: src('003', 'Root Cause Analysis > The Real Problem'),
    alsoIn: [src('003', 'Current State (After Fix Attempts)')],
    metric: 'concurrent.embedderCrashes',
    threshold: 'count>0',
    stated: '9 blocking tasks calling embed() at once end in a segfault',
    preconditions: [{ metric: 'concurrent.maxInFlight', threshold: 'count>=9', why: 'the seed crashed with 9 concurrent calls' }],
    context: ['concurrent.maxInFlight', 'concurrent.completedRatio'],
    realRisks: [
      { metric: 'concurrent.mismatches', threshold: 'count>0', says: 'concurrent results differ from serial ones or reach the wrong request' },
      { metric: 'concurrent.notReadyErrors', threshold: 'count>0', says: 'requests are refused as "not ready" under concurrency' },
    ],
    severity: 'advisory',
    rationale: `${ADVISORY} The thesis is about FastEmbed; node-llama-cpp serialises calls per context, so refutation is the expected outcome for the reference embedder.`,
  },
  {
    id: 'thesis-ndjson-1kb-costs-1ms',
    kind: 'thesis',
    title: 'NDJSON over pipes costs about 1 ms per 1 KB message',
    statement: 'The NDJSON baseline takes about 1ms per 1KB message and tops out near 10K messages per second.',
    refutedMeans: 'NDJSON is already much faster than the seed assumes, so the promised reductions start from a base that does not exist here',
    source: src('004', 'Performance Comparison'),
    metric: 'bench.ipc.stdioNdjson1kb',
    threshold: 'p50>=0.5ms',
    stated: 'NDJSON (current): 1ms latency for 1KB, 10K/sec, 100% CPU',
    context: ['bench.ipc.stdioNdjsonRate', 'bench.ipc.stdioMsgpack1kb'],
    severity: 'advisory',
    rationale: 'A baseline figure: half of it (0.5 ms) still counts as "about 1 ms". Benchmark figures are advisory.',
  },
  {
    id: 'thesis-json-serialisation-30pct',
    kind: 'thesis',
    title: 'JSON serialisation takes about 30% of IPC processing time',
    statement: 'JSON encode/decode is about 30% of the processing time of an NDJSON exchange, with text encoding another 10%.',
    refutedMeans: 'JSON encode/decode is a minor share of an NDJSON round trip, so a binary codec cannot remove much',
    source: src('004', 'Background'),
    metric: 'bench.codec.ndjsonCodecShare',
    threshold: 'value>=25%',
    stated: 'JSON serialization/deserialization ~30% of processing time; text encoding ~10% overhead',
    context: ['bench.codec.textEncodingShare'],
    severity: 'advisory',
    rationale: '"About 30%" is read as at least 25%. Benchmark figures are advisory.',
  },
];
