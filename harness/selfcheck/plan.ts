/**
 * The selfcheck plan: each planted fault of the reference embedder (reference-embedder/faults.ts), the value it is
 * planted with, and the scenarios meant to catch it, in the order they are tried (with --quick a fault stops at
 * the first that catches it). The list always holds the scenario reference-embedder/faults.ts names as `caughtBy`;
 * it comes first unless another one measures the defect more directly or more cheaply.
 *
 * `expect` lists the claims meant to catch the fault. It documents intent and goes into the report; the score
 * itself counts any REQUIRED claim that fails for the faulty adapter and not for the clean one, so a plan cannot
 * make a fault look caught by naming a claim, and an advisory claim never catches anything.
 */
import { FAULTS, type FaultName } from '../../reference-embedder/faults.ts';
import { ARCHS, type Arch } from '../gguf/model-spec.ts';
import { usageError } from '../util/errors.ts';

export interface PlannedFault {
  /** Row label and adapter suffix: the switch as passed to the embedder, e.g. "leak=256" or "swap-ids". */
  id: string;
  fault: FaultName;
  /** The switch's value (faults that take one); the embedder's default when absent. */
  value?: number;
  /** Scenario ids, the one meant to catch it first. */
  scenarios: string[];
  /** Claims meant to catch it (documentation; see the file comment). */
  expect: string[];
  /** Why these scenarios and this value. */
  why: string;
  /** Caught by `gauntlet compare` of the clean run against the planted one (expect: "compare METRIC"), not by a threshold. */
  byCompare?: boolean;
  /** The corpus category (harness/corpus/categories.ts) the fault breaks: the catch must name it. */
  category?: string;
  /** The clean adapter it is planted into: the process reference, or the http one (http-only switches). */
  base: 'process' | 'http';
  /**
   * A legal behaviour, not a defect: the row passes when no required claim fails for it that passed clean (and
   * `expect` is empty). A harness that failed it would be judging engines on something they may do.
   */
  legal: boolean;
  /**
   * A model-level fault's architecture: the row runs on the generated model of that architecture (same preset,
   * seed and dtype as the run's), against a clean run on that same model. Absent: the run's own model.
   */
  arch?: Arch;
}

interface PlanEntry { value?: number; scenarios: string[]; expect: string[]; why: string; byCompare?: boolean; category?: string }

/** One entry per switch in FAULTS; a test checks that none is missing. */
const ENTRIES: Record<FaultName, PlanEntry> = {
  'crash-on-concurrent': {
    scenarios: ['concurrent-embeds'],
    expect: ['concurrent-embeds-no-crash', 'concurrent-embeds-all-complete'],
    why: 'two overlapping embeds make the embedder SIGSEGV itself; only concurrent requests trigger it',
  },
  leak: {
    value: 512,
    scenarios: ['soak', 'memory-pressure'],
    expect: ['embedder-leak-slope-under-100kb-per-request', 'embedder-working-set-under-50mb'],
    why: '512 KB retained per request: five times the 100 KB/request slope target. soak first: it fits the embedder RssAnon slope the leak claim reads (memory-pressure only reports the growth). Both claims that see it are advisory in the catalogue today',
  },
  'slow-start': {
    value: 6000,
    scenarios: ['cold-start'],
    expect: ['restart-under-5s'],
    why: '6 s before every load: above the 5 s cold-start and restart targets, below the 15 s start deadline so the run stays bounded',
  },
  'slow-embed': {
    value: 3,
    scenarios: ['latency'],
    expect: ['compare embed.latency.p50'],
    byCompare: true,
    why: 'every embed takes 3x as long as the engine took: inside every required target, so no claim fails; the change is what CI gates on, and gauntlet compare of the clean run against this one must call embed.latency.p50 a regression (its bootstrap interval wholly beyond the 25 % noise band). 3x, not the A/B check\'s 1.5x: on the tiny model the round trip is half IPC, so 1.5x of the engine is ~1.3x of the round trip, and two latency runs on a loaded machine already differ by up to x1.5 (issue 20\'s A/A pair)',
  },
  'wrong-dims': {
    scenarios: ['latency'],
    expect: ['embeddings-match-reference', 'valid-requests-succeed'],
    why: 'vectors one dimension short cannot match the reference forward pass',
  },
  nondeterministic: {
    value: 7,
    scenarios: ['concurrent-embeds'],
    expect: ['concurrent-equals-serial'],
    why: '~1e-3 noise per call: cosine stays near 1, so only a bit-identical check sees it. Not forced-kill: the noise sequence restarts with each process, so the first vector after a restart equals the first before it',
  },
  'hang-after': {
    value: 3,
    scenarios: ['hang', 'latency'],
    expect: ['hang-recovers'],
    why: 'the embedder goes silent after 3 requests but stays alive: only a request deadline notices',
  },
  'swap-ids': {
    scenarios: ['concurrent-embeds'],
    expect: ['concurrent-equals-serial'],
    why: 'two concurrent answers carry each other\'s ids: each request gets the other text\'s vector',
  },
  'ignore-shutdown': {
    scenarios: ['forced-kill', 'parent-exit'],
    expect: ['parent-exit-no-orphans'],
    why: 'SIGTERM, the shutdown request and the end of stdin are ignored: graceful stops never end the process. The embedder still exits when its parent dies (ppid watch), so parent-exit cannot see it; forced-kill records the SIGTERMs without effect',
  },
  'ignore-everything': {
    scenarios: ['parent-exit'],
    expect: ['parent-exit-no-orphans'],
    why: 'SIGTERM, the shutdown request, the end of stdin and the parent\'s death are all ignored, and a helper child runs in a session of its own: the embedder outlives its SIGKILLed host (an orphan), and only the run\'s sweep (by run tag, SIGTERM then SIGKILL) ends it and the helper',
  },
  'abort-on-load': {
    scenarios: ['cold-start'],
    expect: ['embedder-starts'],
    why: 'every start aborts (SIGABRT) while loading: nothing is ever embedded. restart-limit cannot tell it from the clean run, whose broken embedder is this very switch (its restart-limit-ends-in-clear-error passes both ways), so cold-start catches it',
  },
  'crash-on-rare-frame': {
    scenarios: ['fuzz'],
    expect: ['embedder-survives-fuzz'],
    why: 'SIGSEGV on one odd malformed shape (an embed-batch text sent as binary) that no hand-picked bad-input frame has: only seeded fuzzing reaches it, about once in 400 frames, so the quick 2,000 frames meet it',
  },
  'non-finite': {
    value: 5,
    scenarios: ['latency'],
    expect: ['valid-requests-succeed'],
    why: 'every 5th answer carries a NaN in its first vector, over the protocol (msgpack carries it as a float): the request ledger judges every answer finite, so latency\'s 115 requests show 23 wrong vectors without a check of its own',
  },
  'http-short-batch': {
    value: 3,
    scenarios: ['latency'],
    expect: ['valid-requests-succeed'],
    why: 'an http server that answers 3 vectors for every batch of 10: each such answer is a GAUNTLET_BAD_ANSWER of a valid request, and latency\'s batch10 figure has no sample (a failed claim with that reason, not an empty row)',
  },
  'http-bare-nan': {
    value: 5,
    scenarios: ['throughput', 'latency'],
    expect: ['valid-requests-succeed'],
    why: 'every 5th answer is written with a bare NaN (json.dumps of a non-finite value): not JSON. throughput first: it once ended in harness-error on such an answer; now each is a typed GAUNTLET_BAD_ANSWER of its request and the scenario goes on',
  },
  'http-orphan-worker': {
    scenarios: ['cold-start', 'parent-exit'],
    expect: ['embedder-leaves-nothing-behind', 'parent-exit-no-orphans'],
    why: 'the server starts a worker in a session of its own that ignores SIGTERM: the server itself stops cleanly, the worker outlives it; the run-tag sweep at cold-start\'s end finds it (and reaps it), and that is a required failure, not a note',
  },
  'http-loading': {
    value: 6000,
    scenarios: ['forced-kill'],
    expect: ['restart-under-5s'],
    why: '/health answers 200 at once, /v1/embeddings 503 "loading" for the first 6 s of every start: the start ends at the first good embedding (the dims probe waits the 503s out within readyTimeoutMs, no kill), so every restart measures ~6.5 s, over the required 5 s. forced-kill, not cold-start: cold-start\'s ~6.3 s misses only the advisory cold-start-under-5s (12 restarts: ~100 s)',
  },
  'http-reverse-data': {
    scenarios: ['latency', 'concurrent-embeds'],
    expect: [],
    why: 'legal: the OpenAI answer\'s "data" in reverse order with correct "index" fields; a client must place vectors by index. Every required claim must still pass',
  },
  'http-normalized': {
    scenarios: ['latency'],
    expect: [],
    why: 'legal: L2-normalised vectors although normalize is false; cosine to the reference is unchanged, so every required claim must still pass',
  },
  'pool-wrong-token': {
    scenarios: ['latency'],
    expect: ['embeddings-match-reference'],
    why: 'the pooled vector is another token\'s (or, for mean pooling, one token\'s instead of the mean): tiny models measured min cosine 0.43 (qwen3, the token before <|endoftext|>) to 0.69 (nomic-bert, [CLS] instead of the mean) against the oracle',
  },
  'skip-final-norm': {
    scenarios: ['latency'],
    expect: ['embeddings-match-reference'],
    why: 'subtle: the generated norm weights are 1 +- 0.02, so leaving the last norm out only turns the vector a little (tiny f32 models measured min cosine 0.99926 bert, 0.99940 nomic-bert, 0.99978 qwen3): only the 0.9999 bound sees it',
  },
  'drop-every': {
    value: 50,
    scenarios: ['latency'],
    expect: ['no-request-lost'],
    why: 'every 50th embed request is never answered while pings still are: latency sends 115 requests to one embedder, so 2 are lost. With no deadline of their own they get the adapter\'s requestTimeoutMs capped to a quarter of the scenario\'s time left (request-ledger.ts), about 14 s and 10 s here, so the row stays inside latency\'s 60 s limit without a config of its own',
  },
  'no-nfd': {
    scenarios: ['corpus'],
    expect: ['embeddings-match-reference'],
    category: 'accents-nfc',
    why: 'precomposed accented letters are not decomposed, so their words become [UNK]: only the NFC accent texts change (NFD text has its marks apart already), and only the corpus has accented text',
  },
  'no-cjk-split': {
    scenarios: ['corpus'],
    expect: ['embeddings-match-reference'],
    category: 'cjk',
    why: 'ideographs are not split into words of their own: a run of them is one [UNK] instead of one each; only the corpus\'s CJK texts have ideographs',
  },
  'pad-batch': {
    scenarios: ['corpus'],
    expect: ['embeddings-match-reference'],
    category: 'padding',
    why: 'the shorter texts of a batch are padded to the longest and the padding is attended to and pooled: only a batch of texts of different lengths shows it (latency\'s batches of 1-6 words do too, without saying where); the corpus batches a one-word text with a near-limit one and names the category',
  },
  'short-context': {
    value: 1,
    scenarios: ['corpus'],
    expect: ['embeddings-match-reference'],
    category: 'near-limit',
    why: 'an off-by-one context limit: texts of context - 1 tokens are refused (too-many-tokens), those of context - 2 still pass. Only the near-limit texts reach it (every other category stays under half the context, the padding batches hold a context - 2 text). A silent truncation by one token is not planted: with mean pooling it moves the cosine by ~5e-5 (0.99995 for 1 of 127 tokens), inside the 0.9999 bound',
  },
};

function entryId(fault: FaultName, value: number | undefined): string {
  return value === undefined ? fault : `${fault}=${value}`;
}

/** The whole plan, in FAULTS order; a model-level fault once per architecture (`pool-wrong-token@qwen3`). */
export function selfcheckPlan(): PlannedFault[] {
  return FAULTS.flatMap((spec) => {
    const e = ENTRIES[spec.name];
    const value = spec.value ? (e.value ?? spec.value.default) : undefined;
    const row: PlannedFault = {
      id: entryId(spec.name, value), fault: spec.name, ...(value !== undefined ? { value } : {}), scenarios: [...e.scenarios], expect: [...e.expect], why: e.why,
      ...(e.byCompare ? { byCompare: true } : {}), ...(e.category ? { category: e.category } : {}),
      base: spec.http ? 'http' : 'process', legal: spec.legal === true,
    };
    return spec.modelLevel ? ARCHS.map((arch) => ({ ...row, id: `${row.id}@${arch}`, arch, scenarios: [...row.scenarios], expect: [...row.expect] })) : [row];
  });
}

/**
 * The faults named on the command line (`NAME` or `NAME=VALUE`), each with its plan entry; all of them when none
 * is named. Throws a usage error that lists the valid names.
 */
export function pickFaults(asked: readonly string[] | undefined, plan: PlannedFault[] = selfcheckPlan()): PlannedFault[] {
  const items = (asked ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  if (items.length === 0) return plan;
  const out: PlannedFault[] = [];
  for (const item of items) {
    const [named, raw] = item.split('=', 2) as [string, string | undefined];
    const [name, arch] = named.split('@', 2) as [string, string | undefined];
    const rows = plan.filter((p) => p.fault === name && (arch === undefined || p.arch === arch));
    const base = rows[0];
    if (!base) {
      if (arch !== undefined && plan.some((p) => p.fault === name)) {
        throw usageError(`--fault: ${JSON.stringify(item)}: ${name} ${plan.some((p) => p.fault === name && p.arch) ? `runs on ${ARCHS.join(', ')}` : 'is not a model-level fault (no @ARCH)'}`);
      }
      throw usageError(`--fault: unknown fault ${JSON.stringify(name)}; valid faults: ${[...new Set(plan.map((p) => p.fault))].join(', ')}`);
    }
    if (rows.length > 1 && raw === undefined) {
      for (const r of rows) if (!out.some((p) => p.id === r.id)) out.push(r);
      continue;
    }
    let picked = base;
    if (raw !== undefined) {
      const spec = FAULTS.find((f) => f.name === base.fault)!;
      const n = Number(raw);
      if (!spec.value) throw usageError(`--fault: ${base.fault} takes no value, got ${JSON.stringify(item)}`);
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
        throw usageError(`--fault: ${base.fault} expects a non-negative number of ${spec.value.unit}, got ${JSON.stringify(raw)}`);
      }
      picked = { ...base, value: n, id: entryId(base.fault, n) };
    }
    if (!out.some((p) => p.id === picked.id)) out.push(picked);
  }
  return out;
}

/** The switch as the embedder's GAUNTLET_FAULTS takes it. */
export function faultSwitch(p: PlannedFault): string {
  return entryId(p.fault, p.value);
}
