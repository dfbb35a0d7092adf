/** The zod schema of GauntletConfig, with messages that say what was expected. */
import { DTYPES } from '../gguf/dtype.ts';
import { z } from 'zod';

export const KINDS = ['process', 'in-process', 'http'] as const;

const posInt = (what = 'a positive integer') => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const posMs = z.number({ error: 'expected a positive number of ms' }).finite().positive({ error: 'expected a positive number of ms' });
const argv = z
  .array(z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }), { error: 'expected a non-empty array' })
  .min(1, { error: 'expected a non-empty array' });
const env = z.record(z.string(), z.string({ error: 'expected a string value' }), { error: 'expected an object of strings' });
const url = z.string({ error: 'expected a URL string' }).refine((s) => URL.canParse(s), { error: 'expected a URL such as http://127.0.0.1:8080' });

const common = {
  lanes: posInt().optional(),
  threads: posInt().optional(),
  normalize: z.boolean({ error: 'expected true or false' }).optional(),
  contextSize: posInt().optional(),
  description: z.string({ error: 'expected a string' }).optional(),
  comparison: z.boolean({ error: 'expected true or false' }).optional(),
  enforcesLimits: z.boolean({ error: 'expected true or false' }).optional(),
};

const processAdapter = z.strictObject({
  kind: z.literal('process'),
  command: argv,
  transport: z.enum(['stdio', 'uds'], { error: 'expected "stdio" or "uds"' }),
  codec: z.enum(['msgpack', 'ndjson'], { error: 'expected "msgpack" or "ndjson"' }),
  sharedMemory: z.boolean({ error: 'expected true or false (payloads through /dev/shm; needs transport "uds" and codec "msgpack")' }).optional(),
  env: env.optional(),
  cwd: z.string({ error: 'expected a path string' }).optional(),
  supervisor: z.record(z.string(), z.unknown(), { error: 'expected an object of supervisor options' }).optional(),
  ...common,
});

const inProcessAdapter = z.strictObject({
  kind: z.literal('in-process'),
  useMmap: z.boolean({ error: 'expected true or false' }).optional(),
  engine: z.enum(['llama', 'onnx'], { error: 'expected "llama" (node-llama-cpp) or "onnx" (transformers.js on ONNX Runtime)' }).optional(),
  ...common,
});

const httpAdapter = z
  .strictObject({
    kind: z.literal('http'),
    baseUrl: url.optional(),
    command: argv.optional(),
    readyUrl: url.optional(),
    freePort: z.boolean({ error: 'expected true or false' }).optional(),
    readyTimeoutMs: posMs.optional(),
    modelName: z.string({ error: 'expected a string' }).optional(),
    env: env.optional(),
    cwd: z.string({ error: 'expected a path string' }).optional(),
    supervisor: z.record(z.string(), z.unknown(), { error: 'expected an object of supervisor options' }).optional(),
    ...common,
  })
  .refine((a) => a.baseUrl !== undefined || a.command !== undefined, { error: 'expected baseUrl or command (or both)' })
  .refine((a) => !a.freePort || (a.command !== undefined && a.baseUrl === undefined), {
    error: 'freePort needs a command with {port} and no baseUrl (the server is at http://127.0.0.1:<the port picked>)',
    path: ['freePort'],
  });

export const adapterSchema = z.discriminatedUnion('kind', [processAdapter, inProcessAdapter, httpAdapter], {
  error: `expected an object with kind "process", "in-process" or "http"`,
});

/** A generated model (its own export so that a bad field is reported by name, not as the union's message). */
export const modelObjectSchema = z.strictObject({
  preset: z.enum(['tiny', 'small'], { error: 'expected "tiny" or "small"' }).optional(),
  seed: z.number().int().nonnegative({ error: 'expected a non-negative integer' }).optional(),
  dtype: z.enum(DTYPES, { error: `expected ${DTYPES.map((d) => `"${d}"`).join(', ')}` }).optional(),
  arch: z.enum(['bert', 'nomic-bert', 'qwen3'], { error: 'expected "bert", "nomic-bert" or "qwen3"' }).optional(),
  pooling: z.enum(['mean', 'cls', 'last'], { error: 'expected "mean", "cls" or "last"' }).optional(),
});

const modelSchema = z.union(
  [z.string().min(1), modelObjectSchema],
  { error: 'expected a GGUF file path or { preset, seed, dtype, arch, pooling }' },
);

const reporterEntry = z.union([z.string().min(1), z.tuple([z.string().min(1), z.record(z.string(), z.unknown())])], {
  error: 'expected a reporter name or [name, options]',
});

export const configSchema = z.strictObject({
  model: modelSchema.optional(),
  adapters: z.record(z.string().min(1), adapterSchema, { error: 'expected an object of adapters by name' }).optional(),
  defaultAdapters: z.array(z.string().min(1), { error: 'expected an array of adapter names' }).optional(),
  limits: z
    .strictObject({
      maxFrameBytes: posInt().optional(),
      maxBatch: posInt().optional(),
      requestTimeoutMs: posMs.optional(),
      startTimeoutMs: posMs.optional(),
    })
    .optional(),
  lanes: posInt().optional(),
  threads: posInt().optional(),
  normalize: z.boolean({ error: 'expected true or false' }).optional(),
  seed: z.number({ error: 'expected an integer' }).int({ error: 'expected an integer' }).nonnegative({ error: 'expected a non-negative integer' }).optional(),
  reporters: z.array(reporterEntry, { error: 'expected an array of reporters' }).optional(),
  // Each entry is an override of a built-in claim or a claim of the config's own: resolve-extensions.ts tells them
  // apart and checks them one by one (claimOverrideSchema, userClaimSchema), so that a message names its entry.
  claims: z.record(z.string(), z.unknown(), { error: 'expected an object of claims by id' }).optional(),
  scenarios: z.array(z.unknown(), { error: 'expected an array of defineScenario({...}) objects' }).optional(),
  cacheDir: z.string().min(1).optional(),
  outDir: z.string().min(1).optional(),
  golden: z.string({ error: 'expected the path of a golden file (gauntlet golden record --out FILE)' }).min(1, { error: 'expected the path of a golden file (gauntlet golden record --out FILE)' }).optional(),
  bench: z.enum(['quick', 'full', 'on', 'off'], { error: 'expected "quick", "full", "on" (quick sizes with --quick) or "off"' }).optional(),
});

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { error: `expected ${what}` });

/** `claims.<built-in id>`: false drops the claim; an object changes its threshold, severity or scope. */
export const claimOverrideSchema = z.union(
  [
    z.literal(false),
    z.strictObject({
      threshold: nonEmpty('a k6-style threshold such as "p50<25ms"').optional(),
      severity: z.enum(['required', 'advisory'], { error: 'expected "required" or "advisory"' }).optional(),
      appliesTo: z.array(z.enum(KINDS, { error: 'expected "process", "in-process" or "http"' }), { error: 'expected an array of adapter kinds' }).optional(),
    }),
  ],
  { error: 'expected false (drop the claim) or { threshold?, severity?, appliesTo? }' },
);

/** Keys that mark a `claims.<id>` entry as a claim of the config's own rather than an override. */
export const USER_CLAIM_KEYS = ['title', 'source', 'metric', 'kind', 'unit', 'scenarios', 'stated', 'description'] as const;

/** `claims.<new id>`: a claim of the config's own. */
export const userClaimSchema = z.strictObject({
  title: nonEmpty('a one-line title'),
  source: z.union(
    [
      nonEmpty('a document'),
      z.strictObject({ document: nonEmpty('a document path or URL'), section: nonEmpty('a section name').optional() }),
    ],
    { error: 'expected where the figure is stated: "docs/slo.md#latency" (document#section), a URL, or { document, section }' },
  ),
  metric: nonEmpty('a metric name: a built-in one (e.g. "embed.latency") or your own with `kind`'),
  threshold: nonEmpty('a k6-style threshold such as "p50<20ms", "max<100MB", "count==0"'),
  severity: z.enum(['required', 'advisory'], { error: 'expected "required" (a miss fails the run) or "advisory"' }).optional(),
  kind: z.enum(['latency', 'bytes', 'count', 'rate', 'ratio', 'boolean'], { error: 'expected "latency", "bytes", "count", "rate", "ratio" or "boolean"' }).optional(),
  unit: nonEmpty('a unit').optional(),
  scenarios: z.array(nonEmpty('a scenario id'), { error: 'expected an array of scenario ids' }).optional(),
  appliesTo: z.array(z.enum(KINDS, { error: 'expected "process", "in-process" or "http"' }), { error: 'expected an array of adapter kinds' }).optional(),
  stated: nonEmpty('a string').optional(),
  description: nonEmpty('a string').optional(),
});

const sizeValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.union([z.number(), z.string()]))]);
const sizes = z.record(z.string(), sizeValue, { error: 'expected an object of sizes, e.g. { texts: 5 }' });

/** One entry of `scenarios`: a defineScenario({...}) object. */
export const userScenarioSchema = z.strictObject({
  id: nonEmpty('a kebab-case id such as "my-search"')
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'expected a kebab-case id (a-z, 0-9, "-"), e.g. "my-search"' }),
  title: nonEmpty('a one-line title'),
  claims: z.array(nonEmpty('a claim id'), { error: 'expected an array of the claim ids it measures ([] for none)' }),
  appliesTo: fn('a function (adapter) => true | false | "reason"').optional(),
  quick: sizes,
  full: sizes,
  timeoutMs: z.union([posMs, z.strictObject({ quick: posMs, full: posMs })], { error: 'expected a positive number of ms, or { quick, full }' }),
  run: fn('a function: async run(ctx) { ... }'),
});
