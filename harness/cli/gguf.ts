import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GauntletError, usageError } from '../util/errors.ts';
import { checkGguf } from '../gguf/check.ts';
import { applyCorruption, CORRUPTIONS } from '../gguf/corrupt.ts';
import { describeLlama, writeCorruptionReport } from '../gguf/corruption-report.ts';
import { GgufFormatError } from '../gguf/errors.ts';
import { generateModel, parseSize } from '../gguf/generator.ts';
import { inspectJson, inspectText } from '../gguf/inspect.ts';
import type { Arch, Dtype, Pooling, Preset } from '../gguf/model-spec.ts';
import { readGguf } from '../gguf/reader.ts';

const USAGE = `usage: gauntlet gguf <subcommand> [options]

  generate (--preset tiny|small | --size 1GB) [--arch bert|nomic-bert|qwen3] [--pooling mean|cls|last]
           [--dtype f32|f16|q8_0|q4_0|q4_k|q5_k|q6_k] --seed N --out FILE
                   (K-quants widen the preset to whole 256-blocks per row: tiny E 64 F 128 -> E 256 F 512)
  inspect FILE [--json]
  check FILE [--json] [--scan-data | --no-scan-data]     exit 0 valid, 1 invalid
  corrupt --list [--json]
  corrupt --variant ID --from FILE --out FILE [--seed N]
  corrupt --report FILE [--seed N] [--dtype f32|f16|q8_0] [--only ID,ID] [--skip-llama]
  export-onnx FILE OUTDIR [--json]                       Hugging Face-style ONNX folder of a BERT GGUF
  oracle ... / verify ...                                (see gguf-oracle.ts)`;

type Values = Record<string, string | boolean | undefined>;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${USAGE}`);
  }
}

function int(v: unknown, name: string, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw usageError(`${name} is required\n\n${USAGE}`);
    return dflt;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw usageError(`${name}: expected an integer 0..4294967295, got ${JSON.stringify(v)}`);
  return n;
}

function need(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw usageError(`${name} is required\n\n${USAGE}`);
  return v;
}

async function generate(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    preset: { type: 'string' }, size: { type: 'string' }, dtype: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' },
    arch: { type: 'string' }, pooling: { type: 'string' },
  });
  if (values.preset && values.size) throw usageError('give --preset or --size, not both');
  const sizeBytes = typeof values.size === 'string' ? parseSize(values.size) : undefined;
  const started = performance.now();
  const big = sizeBytes !== undefined && sizeBytes >= 100e6;
  const r = await generateModel({
    preset: values.preset as Preset | undefined,
    sizeBytes,
    dtype: values.dtype as Dtype | undefined,
    arch: values.arch as Arch | undefined,
    pooling: values.pooling as Pooling | undefined,
    seed: int(values.seed, '--seed'),
    out: need(values.out, '--out'),
    onProgress: big
      ? (w, t) => process.stderr.write(`gguf generate: ${(w / 1e6).toFixed(0)} / ${(t / 1e6).toFixed(0)} MB (${((100 * w) / t).toFixed(0)}%, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
      : undefined,
  });
  const out = { ...r, durationMs: Math.round(performance.now() - started) };
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    const s = r.spec;
    const kv = s.headsKv !== s.heads ? `/${s.headsKv}kv` : '';
    process.stdout.write(`${r.path}: ${r.bytes} bytes, sha256 ${r.sha256}\n  ${s.arch} E${s.embedding} L${s.layers} H${s.heads}${kv}x${s.headDim} F${s.ffn} C${s.context} vocab ${s.vocab} ${s.dtype} ${s.pooling} pooling, ${out.durationMs} ms\n`);
  }
  return 0;
}

async function inspect(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  const file = need(positionals[0], 'FILE');
  try {
    const f = await readGguf(file);
    process.stdout.write((values.json ? JSON.stringify(inspectJson(f), null, 2) : inspectText(f)) + '\n');
    return 0;
  } catch (e) {
    if (!(e instanceof GgufFormatError)) throw e;
    const body = { ok: false, code: e.code, offset: e.offset, field: e.field, message: e.message };
    if (values.json) process.stdout.write(JSON.stringify(body) + '\n');
    else process.stderr.write(`gauntlet gguf inspect: ${e.message} [${e.code}]\n`);
    return 1;
  }
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, 'scan-data': { type: 'boolean' }, 'no-scan-data': { type: 'boolean' } });
  const file = need(positionals[0], 'FILE');
  const scanData = values['scan-data'] ? true : values['no-scan-data'] ? false : undefined;
  const r = await checkGguf(file, { scanData });
  if (values.json) {
    const body = r.ok
      ? { ok: true, code: null, offset: null, field: null, message: 'valid', spec: r.spec, dataScanned: r.dataScanned, durationMs: r.durationMs }
      : { ok: false, code: r.code, offset: r.offset, field: r.field, message: r.message, durationMs: r.durationMs };
    process.stdout.write(JSON.stringify(body) + '\n');
  } else if (r.ok) {
    const s = r.spec;
    process.stdout.write(`${file}: valid ${s.architecture} model (E${s.embedding} L${s.layers} H${s.heads} vocab ${s.vocab}), data ${r.dataScanned ? 'scanned' : 'not scanned'}, ${r.durationMs.toFixed(1)} ms\n`);
  } else {
    process.stdout.write(`${file}: INVALID ${r.code} at byte ${r.offset}, field ${r.field}\n  ${r.message}\n`);
  }
  return r.ok ? 0 : 1;
}

async function corrupt(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    list: { type: 'boolean' }, json: { type: 'boolean' }, variant: { type: 'string' }, from: { type: 'string' }, out: { type: 'string' },
    seed: { type: 'string' }, report: { type: 'string' }, dtype: { type: 'string' }, only: { type: 'string' }, 'skip-llama': { type: 'boolean' },
  });
  if (values.list) {
    const list = CORRUPTIONS.map((v) => ({ id: v.id, part: v.part, description: v.description, expect: v.expect, llamaRisk: v.llamaRisk ?? null }));
    if (values.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else for (const v of list) process.stdout.write(`${v.id.padEnd(26)} ${v.part.padEnd(12)} ${v.expect.padEnd(9)} ${v.description}\n`);
    return 0;
  }
  if (typeof values.report === 'string') {
    const ids = typeof values.only === 'string' ? values.only.split(',') : undefined;
    const rows = await writeCorruptionReport(values.report, {
      seed: int(values.seed, '--seed', 1), dtype: values.dtype as Dtype | undefined, ids, skipLlama: !!values['skip-llama'],
      onRow: (r, i, n) => process.stderr.write(`[${i + 1}/${n}] ${r.variant.id}: check ${r.check.ok ? 'accepts' : `rejects (${r.check.code})`}; node-llama-cpp ${describeLlama(r.llama)}\n`),
    });
    const unguarded = rows.filter((r) => r.check.ok && (r.llama?.outcome === 'killed' || r.llama?.outcome === 'timeout'));
    process.stdout.write(`wrote ${values.report}: ${rows.length} variants, ${unguarded.length} accepted by check yet fatal to node-llama-cpp\n`);
    return unguarded.length === 0 ? 0 : 1;
  }
  const id = need(values.variant, '--variant');
  const out = need(values.out, '--out');
  await applyCorruption(id, need(values.from, '--from'), out, int(values.seed, '--seed', 1));
  process.stdout.write(`${out}: ${id}\n`);
  return 0;
}

async function exportOnnxCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  const file = need(positionals[0], 'FILE');
  const outDir = need(positionals[1], 'OUTDIR');
  // Loaded only for this verb (it pulls in the ONNX schema).
  const { exportOnnx } = await import('../gguf/export-onnx.ts');
  const r = await exportOnnx(file, outDir);
  if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    process.stdout.write(`${r.dir}: onnx/model.onnx ${r.bytes} bytes (opset ${r.opset}, ${r.nodes} nodes, ${r.initializers} initializers` +
      `${r.hasTokenTypes ? ', token_type_ids' : ''}), tokenizer.json, tokenizer_config.json, special_tokens_map.json, config.json; ${r.durationMs} ms\n`);
  }
  return 0;
}

type OracleModule = { oracleCommand: (argv: string[]) => Promise<number>; verifyCommand: (argv: string[]) => Promise<number> };

/** Loaded only for `oracle` / `verify` (it pulls in the forward pass and node-llama-cpp's probe). */
async function oracleModule(): Promise<OracleModule> {
  return import('./gguf-oracle.ts');
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'generate': return await generate(rest);
      case 'inspect': return await inspect(rest);
      case 'check': return await check(rest);
      case 'corrupt': return await corrupt(rest);
      case 'export-onnx': return await exportOnnxCommand(rest);
      case 'oracle': return await (await oracleModule()).oracleCommand(rest);
      case 'verify': return await (await oracleModule()).verifyCommand(rest);
      case undefined: case 'help': case '--help': case '-h':
        process.stdout.write(USAGE + '\n');
        return sub ? 0 : 2;
      default:
        throw usageError(`unknown subcommand ${JSON.stringify(sub)}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof GgufFormatError) {
      process.stderr.write(`gauntlet gguf ${sub}: ${e.message} [${e.code}]\n`);
      return 1;
    }
    if (e instanceof GauntletError && e.code === 'GAUNTLET_USAGE') {
      process.stderr.write(`gauntlet gguf ${sub ?? ''}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
