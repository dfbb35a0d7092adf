/**
 * Fault switches of the reference embedder, for self-validation: each plants one defect that a scenario must
 * catch. All are off unless set by `--fault NAME[=VALUE]` (repeatable) or env GAUNTLET_FAULTS="a=1,b".
 */

export type FaultName =
  | 'crash-on-concurrent'
  | 'leak'
  | 'slow-start'
  | 'slow-embed'
  | 'wrong-dims'
  | 'nondeterministic'
  | 'hang-after'
  | 'swap-ids'
  | 'ignore-shutdown'
  | 'abort-on-load'
  | 'drop-every'
  | 'ignore-everything'
  | 'crash-on-rare-frame'
  | 'no-nfd'
  | 'no-cjk-split'
  | 'pad-batch'
  | 'short-context'
  | 'non-finite'
  | 'http-short-batch'
  | 'http-bare-nan'
  | 'http-orphan-worker'
  | 'http-loading'
  | 'http-reverse-data'
  | 'http-normalized'
  | 'pool-wrong-token'
  | 'skip-final-norm';

export interface FaultSpec {
  name: FaultName;
  /** What the value means; undefined when the switch takes none. */
  value?: { unit: string; default: number };
  description: string;
  /** The scenario family meant to catch it (DESIGN.md "Scenario families"). */
  caughtBy: string;
  /** Only the http transport has it (the switch is accepted and does nothing on stdio and uds). */
  http?: true;
  /** A legal behaviour, not a defect: every required claim must still pass with it (selfcheck's legal rows). */
  legal?: true;
  /** The model is computed wrong (not the process): selfcheck plants it on every architecture's model. */
  modelLevel?: true;
}

export const FAULTS: readonly FaultSpec[] = [
  { name: 'crash-on-concurrent', description: 'raises SIGSEGV on itself when two embed requests overlap', caughtBy: 'concurrent-embeds' },
  { name: 'leak', value: { unit: 'KB', default: 256 }, description: 'retains VALUE KB of touched memory per request, never freed', caughtBy: 'memory-pressure' },
  { name: 'slow-start', value: { unit: 'ms', default: 6000 }, description: 'waits VALUE ms before loading the model', caughtBy: 'cold-start' },
  { name: 'slow-embed', value: { unit: 'x', default: 1.5 }, description: 'makes every embed / embed-batch request take VALUE times as long as the engine took (busy-waits the extra time: a slower engine, not an idle one)', caughtBy: 'latency' },
  { name: 'wrong-dims', description: 'drops the last dimension of every vector (initialized still reports the true dims)', caughtBy: 'latency' },
  { name: 'nondeterministic', value: { unit: 'seed', default: 1 }, description: 'adds tiny seeded noise (~1e-3) that differs on every call', caughtBy: 'concurrent-embeds' },
  { name: 'hang-after', value: { unit: 'requests', default: 10 }, description: 'stops answering after VALUE requests but stays alive', caughtBy: 'hang' },
  { name: 'swap-ids', description: 'under concurrency, answers go out with each other\'s request ids', caughtBy: 'concurrent-embeds' },
  { name: 'ignore-shutdown', description: 'ignores SIGTERM and the shutdown request', caughtBy: 'forced-kill' },
  { name: 'abort-on-load', description: 'calls process.abort() while handling initialize', caughtBy: 'cold-start' },
  { name: 'drop-every', value: { unit: 'requests', default: 40 }, description: 'silently never answers every VALUE-th embed / embed-batch request of a connection, while still answering pings and the rest (stdio and uds)', caughtBy: 'latency' },
  { name: 'ignore-everything', value: { unit: 'children', default: 1 }, description: 'ignores SIGTERM, the shutdown request, the end of stdin and its parent\'s death, and starts VALUE helper processes in a session of their own that ignore SIGTERM too', caughtBy: 'parent-exit' },
  { name: 'non-finite', value: { unit: 'requests', default: 5 }, description: 'puts a NaN into the first vector of every VALUE-th embed / embed-batch answer (any transport: msgpack carries it, ndjson and http write null)', caughtBy: 'latency' },
  { name: 'http-short-batch', value: { unit: 'vectors', default: 3 }, description: 'http: answers a batch of more than VALUE texts with only its first VALUE vectors (singles are answered right)', caughtBy: 'latency', http: true },
  { name: 'http-bare-nan', value: { unit: 'requests', default: 5 }, description: 'http: writes every VALUE-th /v1/embeddings answer with a bare NaN for its first value, as Python\'s json.dumps does: not valid JSON', caughtBy: 'latency', http: true },
  { name: 'http-orphan-worker', description: 'http: starts a worker in a session of its own that ignores SIGTERM and outlives the server', caughtBy: 'cold-start', http: true },
  { name: 'http-loading', value: { unit: 'ms', default: 6000 }, description: 'http: GET /health answers 200 at once while POST /v1/embeddings answers 503 "loading" for the first VALUE ms of every start', caughtBy: 'forced-kill', http: true },
  { name: 'http-reverse-data', description: 'http (legal): the "data" list of every answer in reverse order, each entry with its correct "index"', caughtBy: 'latency', http: true, legal: true },
  { name: 'http-normalized', description: 'http (legal): L2-normalised vectors although normalize is false (the cosine to the reference is unchanged)', caughtBy: 'latency', http: true, legal: true },
  { name: 'pool-wrong-token', modelLevel: true, description: 'node-llama-cpp pools the wrong token: the model is loaded with its pooling overridden (metadataOverrides): mean becomes the first token ([CLS]), cls the last ([SEP]); a last-token model whose tokenizer appends <|endoftext|> loses add_eos_token, so the token before it is pooled (the classic Qwen3-Embedding mistake)', caughtBy: 'latency' },
  { name: 'skip-final-norm', modelLevel: true, description: 'the final normalisation is left out: a decoder\'s output_norm (RMSNorm, weight only) is undone on the pooled vector (v / w: the un-normed state\'s direction, the scale a cosine ignores), an encoder\'s last LayerNorm loses its weight and bias ((v - b) / w, exact for mean, CLS and last pooling)', caughtBy: 'latency' },
  { name: 'crash-on-rare-frame', description: 'raises SIGSEGV on itself when an embed-batch frame carries one of its texts as MessagePack binary (a shape seeded fuzzing reaches about once in 400 frames; no hand-picked bad-input frame has it)', caughtBy: 'fuzz' },
  { name: 'no-nfd', description: 'tokenizes precomposed accented Latin letters without decomposing them first (no NFD before accent stripping): "é" stays a letter the vocabulary lacks and its word becomes [UNK]; decomposed (NFD) text is unaffected', caughtBy: 'corpus' },
  { name: 'no-cjk-split', description: 'does not split CJK ideographs into words of their own: a run of ideographs (and any letters touching it) is one word, one [UNK]', caughtBy: 'corpus' },
  { name: 'pad-batch', modelLevel: true, description: 'pads every shorter text of a batch to the longest one\'s token count with [PAD] and embeds the padded sequence: attention and mean pooling count the padding (llama engine only)', caughtBy: 'corpus' },
  { name: 'short-context', value: { unit: 'tokens', default: 1 }, description: 'refuses (too-many-tokens) any input longer than context - 1 - VALUE tokens, special tokens included: an off-by-VALUE context limit that turns valid texts near the limit away', caughtBy: 'corpus' },
];

/** Faults that rewrite token ids (the engine must expose them: the llama engine does). */
export const TOKEN_FAULTS: readonly FaultName[] = ['pad-batch'];

export type ActiveFaults = Partial<Record<FaultName, number | true>>;

function specFor(name: string): FaultSpec {
  const spec = FAULTS.find((f) => f.name === name);
  if (!spec) {
    throw new Error(`unknown fault ${JSON.stringify(name)}: expected one of ${FAULTS.map((f) => f.name).join(', ')}`);
  }
  return spec;
}

/** Parses one `NAME[=VALUE]` item. */
function parseItem(item: string, into: ActiveFaults): void {
  const [rawName, rawValue] = item.split('=', 2) as [string, string | undefined];
  const spec = specFor(rawName.trim());
  if (!spec.value) {
    if (rawValue !== undefined) throw new Error(`fault ${spec.name} takes no value, got ${JSON.stringify(item)}`);
    into[spec.name] = true;
    return;
  }
  if (rawValue === undefined || rawValue.trim() === '') {
    into[spec.name] = spec.value.default;
    return;
  }
  const n = Number(rawValue);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`fault ${spec.name}: expected a non-negative number of ${spec.value.unit}, got ${JSON.stringify(rawValue)}`);
  }
  into[spec.name] = n;
}

/** Faults from the flags and the environment variable (flags win). Throws with a clear message on a bad item. */
export function parseFaults(flags: readonly string[], env: string | undefined): ActiveFaults {
  const active: ActiveFaults = {};
  for (const item of (env ?? '').split(',')) if (item.trim() !== '') parseItem(item.trim(), active);
  for (const item of flags) parseItem(item, active);
  return active;
}

export function describeFaults(active: ActiveFaults): string {
  const names = Object.entries(active).map(([k, v]) => (v === true ? k : `${k}=${v}`));
  return names.length === 0 ? 'faults: none' : `faults: ${names.join(', ')}`;
}

/** A small seeded PRNG (mulberry32) for the nondeterministic fault. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
