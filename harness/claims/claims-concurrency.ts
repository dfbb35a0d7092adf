/** Concurrent embedding requests (seed 003: a segfault when several files were indexed at once). */
import { src } from './seeds.ts';
import type { Claim } from './types.ts';

const NINE = { metric: 'concurrent.maxInFlight', threshold: 'count>=9', why: 'seed 003 crashed with 9 requests at once; fewer in flight would not reproduce it' };

export const CONCURRENCY_CLAIMS: Claim[] = [
  {
    id: 'concurrent-embeds-no-crash',
    kind: 'target',
    title: 'Concurrent embed requests never crash the embedder',
    source: src('003', 'Success Criteria'),
    alsoIn: [src('003', 'Current State (After Fix Attempts)')],
    metric: 'concurrent.embedderCrashes',
    threshold: 'count==0',
    stated: 'no segmentation fault while 9 files are indexed at once',
    preconditions: [NINE],
    severity: 'required',
    rationale: 'A crash under ordinary concurrent load is a crash-safety defect on any machine.',
  },
  {
    id: 'concurrent-embeds-all-complete',
    kind: 'target',
    title: 'Every concurrent request gets its vector',
    source: src('003', 'Success Criteria'),
    alsoIn: [src('003', 'Commands to Verify Fix')],
    metric: 'concurrent.completedRatio',
    threshold: 'value>=100%',
    stated: 'all 9 test files indexed, 9 embeddings stored',
    preconditions: [NINE],
    severity: 'required',
    rationale: 'A request dropped under concurrency is silent data loss.',
  },
  {
    id: 'concurrent-equals-serial',
    kind: 'target',
    title: 'Concurrent results are bit-identical to serial ones, each for its own request',
    source: src('003', 'Success Criteria'),
    metric: 'concurrent.mismatches',
    threshold: 'count==0',
    stated: 'embeddings stored for every file and search returns results',
    severity: 'required',
    rationale: 'A vector delivered to the wrong request, or changed by a race, is worse than a crash.',
  },
  {
    id: 'model-stays-ready',
    kind: 'target',
    title: 'Once loaded, the model stays available (no "not ready" refusals)',
    source: src('003', 'Success Criteria'),
    alsoIn: [src('003', 'Original Problem')],
    metric: 'concurrent.notReadyErrors',
    threshold: 'count==0',
    stated: 'the model persists across indexing, no repeated "model not ready" refusals',
    severity: 'required',
    rationale: 'The original bug of seed 003: the model vanished after load. Correctness, not speed.',
  },
  {
    id: 'concurrent-burst-under-10s',
    kind: 'target',
    title: 'A burst of 9 concurrent embeddings completes within 10 s',
    source: src('003', 'Commands to Verify Fix'),
    metric: 'concurrent.wallMs',
    threshold: 'max<10s',
    stated: 'wait 10 seconds for indexing, then expect 9 embeddings',
    preconditions: [NINE],
    severity: 'advisory',
    rationale: 'Wall time depends on the machine and the model; serialised embedders pass it easily with small models.',
  },
];
