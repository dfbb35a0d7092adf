/**
 * `gauntlet gguf oracle FILE [--json] [--normalize] TEXT...`: reference embeddings of texts.
 * `gauntlet gguf verify FILE [--json] [--verbose]`: oracle vs node-llama-cpp over the corpus; exit 0 when it passes.
 * harness/cli/gguf.ts dispatches here.
 */
import { requireNodeLlamaCpp } from '../engines/node-llama-cpp.ts';
import { parseArgs } from 'node:util';
import { usageError } from '../util/errors.ts';
import { loadOracle } from '../gguf/oracle.ts';
import { verifyModel, type VerifyReport } from '../gguf/verify.ts';

const ORACLE_USAGE = 'usage: gauntlet gguf oracle FILE [--json] [--normalize] TEXT...';
const VERIFY_USAGE = 'usage: gauntlet gguf verify FILE [--json] [--verbose] [--timeout MS]\n       gauntlet gguf verify [FILE] --adapter NAME [--config FILE] [--json]   (the corpus through a configured adapter: llama-server, transformers-js, ...)';

export async function oracleCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, normalize: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${ORACLE_USAGE}\n`);
    return 0;
  }
  const [file, ...texts] = positionals;
  if (!file || texts.length === 0) throw usageError(`expected a model file and at least one text\n${ORACLE_USAGE}`);
  const oracle = await loadOracle(file);
  const vectors = texts.map((t) => Array.from(oracle.embed(t, { normalize: values.normalize })));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ vectors })}\n`);
  } else {
    texts.forEach((t, i) => {
      const v = vectors[i]!;
      const head = v.slice(0, 6).map((x) => x.toFixed(6)).join(', ');
      process.stdout.write(`${JSON.stringify(t)}: ${v.length} dims [${head}${v.length > 6 ? ', ...' : ''}] tokens ${JSON.stringify(oracle.encode(t))}\n`);
    });
  }
  return 0;
}

function summary(r: VerifyReport, verbose: boolean): string {
  const lines = [
    `model      ${r.model} (${r.dtype})`,
    `node-llama-cpp ${r.probeOutcome}${r.probeMessage ? `: ${r.probeMessage}` : ''}`,
    `texts      ${r.texts}`,
    `cosine     min ${r.minCosine} mean ${r.meanCosine} (bound ${r.bound})`,
    `max |diff| ${r.maxAbsDiff}`,
    `tokens     ${r.tokenMismatches} mismatching text(s); ${r.lengthMismatches} vector length mismatch(es)`,
    `worst      ${r.worst ? `#${r.worst.index} ${JSON.stringify(r.worst.text.slice(0, 60))} cosine ${r.worst.cosine}` : '-'}`,
    `time       oracle ${r.durationMs.oracle} ms, node-llama-cpp ${r.durationMs.llama} ms`,
    r.pass ? 'PASS' : 'FAIL',
  ];
  if (verbose || !r.pass) {
    for (const t of r.perText) {
      if (!verbose && t.tokensMatch && t.cosine >= r.bound) continue;
      lines.push(`  #${t.index} cos ${t.cosine} tokens ${t.tokensMatch ? 'ok' : `oracle ${JSON.stringify(t.oracleTokens)} llama ${JSON.stringify(t.llamaTokens)}`} ${JSON.stringify(t.text.slice(0, 50))}`);
    }
  }
  return lines.join('\n');
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      timeout: { type: 'string' },
      adapter: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${VERIFY_USAGE}\n`);
    return 0;
  }
  if (values.adapter !== undefined) return verifyThroughAdapter(values.adapter, values.config, positionals, values.json ?? false);
  if (positionals.length !== 1) throw usageError(`expected exactly one model file, got ${positionals.length}\n${VERIFY_USAGE}`);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw usageError(`--timeout: expected milliseconds > 0, got ${JSON.stringify(values.timeout)}`);
  requireNodeLlamaCpp('gauntlet gguf verify (it compares the oracle with node-llama-cpp)');
  const report = await verifyModel(positionals[0]!, { timeoutMs });
  if (values.json) {
    const { perText, ...rest } = report;
    const out = values.verbose ? report : { ...rest, failures: perText.filter((t) => !t.tokensMatch || !(t.cosine >= report.bound)) };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${summary(report, values.verbose ?? false)}\n`);
  }
  return report.pass ? 0 : 1;
}

async function verifyThroughAdapter(name: string, configFile: string | undefined, positionals: string[], json: boolean): Promise<number> {
  if (positionals.length > 1) throw usageError(`expected at most one model file, got ${positionals.length}\n${VERIFY_USAGE}`);
  const { loadConfig } = await import('../config/load-config.ts');
  const { ensureModel } = await import('../config/ensure-model.ts');
  const { resolveAdapter } = await import('../config/resolve-config.ts');
  const { verifyAdapter } = await import('../gguf/verify-adapter.ts');
  const config = await loadConfig(configFile);
  resolveAdapter(config, name); // a bad name fails before a model is generated
  const model = positionals[0] ?? (await ensureModel(config.model));
  const r = await verifyAdapter(resolveAdapter(config, name, model));
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    process.stdout.write([
      `model      ${r.model} (${r.arch}, ${r.dtype})`,
      `adapter    ${r.adapter}: ${r.answered} of ${r.texts} texts answered${r.skipped.length ? ` (${r.skipped.length} not sent: a lone surrogate is not Unicode, the protocol refuses it)` : ''}`,
      `cosine     min ${r.minCosine} mean ${r.meanCosine} (bound ${r.bound})`,
      `max |diff| ${r.maxAbsDiff}`,
      `lengths    ${r.lengthMismatches} vector length mismatch(es)`,
      `worst      ${r.worst ? `#${r.worst.index} ${JSON.stringify(r.worst.text.slice(0, 60))} cosine ${r.worst.cosine}` : '-'}`,
      ...r.errors.slice(0, 5).map((e) => `  error #${e.index} ${JSON.stringify(e.text.slice(0, 40))}: ${e.message}`),
      r.pass ? 'PASS' : 'FAIL',
    ].join('\n') + '\n');
  }
  return r.pass ? 0 : 1;
}

/** Lets the file be a command of its own as well. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'oracle') return oracleCommand(rest);
  if (sub === 'verify') return verifyCommand(rest);
  throw usageError(`expected "oracle" or "verify", got ${JSON.stringify(sub)}`);
}
