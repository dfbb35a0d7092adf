/**
 * Golden vectors (issue 21): the hard-text corpus embedded once by an engine the user trusts, saved with the model it
 * was recorded on, so that `embeddings-match-reference` can judge other engines (or the same one later) on a model the
 * oracle cannot run. `golden: 'golden.json'` in a config makes them the run's reference.
 *
 * The file is validated strictly when read: its format and version, the model it was recorded on (sha256 must be
 * the run model's), one finite vector per text of the dimension it declares, known categories, every request whole.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CORPUS_CATEGORY_IDS } from '../corpus/categories.ts';
import { cosine } from '../gguf/oracle-math.ts';
import type { CorpusRequest, HardCorpus } from '../corpus/build-corpus.ts';
import { GauntletError } from '../util/errors.ts';

export const GOLDEN_FORMAT = 'gauntlet-golden';
export const GOLDEN_VERSION = 1;

export interface GoldenEngine {
  /** The adapter's name in the config it was recorded with. */
  adapter: string;
  kind: string;
  description?: string;
}

export interface GoldenModel {
  path: string;
  sha256: string;
  bytes: number;
}

export interface GoldenFile {
  format: typeof GOLDEN_FORMAT;
  version: typeof GOLDEN_VERSION;
  recordedAt: string;
  gauntlet: string;
  engine: GoldenEngine;
  model: GoldenModel;
  dims: number;
  corpus: { seed: number; size: 'quick' | 'full'; contextSize: number; tokenizer: string; notes: string[] };
  /** The corpus requests, each text with the vector the engine returned for it. */
  requests: Array<{ kind: CorpusRequest['kind']; texts: Array<{ category: string; text: string; tokens: number; vector: number[] }> }>;
}

/** A golden file read and checked, ready to judge with. */
export interface GoldenSet {
  file: string;
  data: GoldenFile;
  corpus: HardCorpus;
  /** Vectors in corpusTexts(corpus) order. */
  vectors: Float32Array[];
  /** The vector for a text, if the file has it. */
  lookup(text: string): Float32Array | undefined;
}

const textSchema = z.strictObject({
  category: z.enum(CORPUS_CATEGORY_IDS as unknown as [string, ...string[]], { error: `expected one of the corpus categories (${CORPUS_CATEGORY_IDS.join(', ')})` }),
  text: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty text' }),
  tokens: z.number({ error: 'expected a token count' }).int().nonnegative(),
  vector: z.array(z.number({ error: 'expected a finite number' }).finite({ error: 'expected a finite number' }), { error: 'expected an array of numbers' }),
});

const fileSchema = z.strictObject({
  format: z.literal(GOLDEN_FORMAT, { error: `expected "${GOLDEN_FORMAT}"` }),
  version: z.literal(GOLDEN_VERSION, { error: `expected ${GOLDEN_VERSION} (this gauntlet reads golden files of version ${GOLDEN_VERSION})` }),
  recordedAt: z.iso.datetime({ error: 'expected an ISO date-time' }),
  gauntlet: z.string(),
  engine: z.strictObject({ adapter: z.string().min(1), kind: z.string().min(1), description: z.string().optional() }),
  model: z.strictObject({
    path: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a sha256 in hex' }),
    bytes: z.number().int().positive(),
  }),
  dims: z.number({ error: 'expected the vector dimension' }).int().positive({ error: 'expected a positive dimension' }),
  corpus: z.strictObject({
    seed: z.number().int().nonnegative(),
    size: z.enum(['quick', 'full']),
    contextSize: z.number().int().positive(),
    tokenizer: z.string(),
    notes: z.array(z.string()),
  }),
  requests: z.array(z.strictObject({
    kind: z.enum(['single', 'batch'], { error: 'expected "single" or "batch"' }),
    texts: z.array(textSchema).min(1, { error: 'expected at least one text' }),
  }), { error: 'expected an array of requests' }).min(1, { error: 'expected at least one request: a golden file without texts judges nothing' }),
});

function invalid(file: string, message: string): GauntletError {
  return new GauntletError('GAUNTLET_GOLDEN_INVALID', `golden file ${file}: ${message}`, { details: { file } });
}

/** Checks parsed JSON as a golden file; throws GAUNTLET_GOLDEN_INVALID naming the first bad field. */
export function parseGolden(json: unknown, file: string): GoldenFile {
  const r = fileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const at = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
    throw invalid(file, `${at}: ${issue.message}`);
  }
  const g = r.data as GoldenFile;
  const seen = new Map<string, number[]>();
  g.requests.forEach((req, i) => {
    if (req.kind === 'single' && req.texts.length !== 1) throw invalid(file, `requests[${i}]: a single request has ${req.texts.length} texts, expected 1`);
    req.texts.forEach((t, j) => {
      if (t.vector.length !== g.dims) {
        throw invalid(file, `requests[${i}].texts[${j}].vector: ${t.vector.length} numbers, but the file says dims ${g.dims} (text ${JSON.stringify(t.text.slice(0, 40))})`);
      }
      if (t.vector.every((x) => x === 0)) throw invalid(file, `requests[${i}].texts[${j}].vector: all zeros; the engine that recorded it gave no embedding for ${JSON.stringify(t.text.slice(0, 40))}`);
      const prev = seen.get(t.text);
      if (prev && prev.some((x, k) => x !== t.vector[k])) {
        // the same text twice (the repeated batch) must have one answer, or the file contradicts itself
        if (cosine(prev, t.vector) < 0.99999) throw invalid(file, `requests[${i}].texts[${j}]: text ${JSON.stringify(t.text.slice(0, 40))} appears earlier with another vector`);
      }
      seen.set(t.text, t.vector);
    });
  });
  return g;
}

export interface GoldenExpect {
  /** sha256 of the run's model: must be the recorded one. */
  modelSha256?: string;
  modelPath?: string;
}

/** Reads and validates a golden file against the run's model. */
export async function readGolden(file: string, expect: GoldenExpect = {}): Promise<GoldenSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new GauntletError('GAUNTLET_GOLDEN_INVALID', `golden file ${file}: cannot read it (${(e as Error).message}); record one with \`gauntlet golden record --adapter NAME --out ${file}\``, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `not JSON (${(e as Error).message})`);
  }
  const data = parseGolden(json, file);
  if (expect.modelSha256 && expect.modelSha256 !== data.model.sha256) {
    throw invalid(file, `recorded on another model: ${data.model.path} (sha256 ${data.model.sha256.slice(0, 12)}..., ${data.model.bytes} bytes), ` +
      `but this run's model is ${expect.modelPath ?? 'another file'} (sha256 ${expect.modelSha256.slice(0, 12)}...); record it again on this model with \`gauntlet golden record\``);
  }
  return goldenSet(file, data);
}

export function goldenSet(file: string, data: GoldenFile): GoldenSet {
  const corpus: HardCorpus = {
    requests: data.requests.map((r) => ({ kind: r.kind, texts: r.texts.map((t) => ({ category: t.category as CorpusRequest['texts'][number]['category'], text: t.text, tokens: t.tokens })) })),
    contextSize: data.corpus.contextSize,
    notes: data.corpus.notes,
  };
  const vectors = data.requests.flatMap((r) => r.texts.map((t) => Float32Array.from(t.vector)));
  const byText = new Map<string, Float32Array>();
  data.requests.flatMap((r) => r.texts).forEach((t, i) => byText.set(t.text, vectors[i]!));
  return { file, data, corpus, vectors, lookup: (t) => byText.get(t) };
}

/** Writes a golden file atomically (temp file, then rename). */
export async function writeGolden(file: string, data: GoldenFile): Promise<void> {
  parseGolden(JSON.parse(JSON.stringify(data)), file);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(data)}\n`);
  await rename(tmp, file);
}

/** "golden.json (recorded with llama-server, process, 2026-12-08T01:02:03Z)" */
export function describeGolden(g: GoldenSet): string {
  return `golden file ${g.file} (recorded with ${g.data.engine.adapter}, ${g.data.engine.kind}, at ${g.data.recordedAt})`;
}
