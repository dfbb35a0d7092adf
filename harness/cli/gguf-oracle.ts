/**
 * `gauntlet gguf oracle FILE [--json] [--normalize] TEXT...`: reference embeddings of texts.
 * `gauntlet gguf verify FILE [--json] [--verbose]`: oracle vs node-llama-cpp over the corpus; exit 0 when it passes.
 * harness/cli/gguf.ts dispatches here.
 */
import { parseArgs } from 'node:util';
import { usageError } from '../util/errors.ts';
import { loadOracle } from '../gguf/oracle.ts';
import { verifyModel, type VerifyReport } from '../gguf/verify.ts';

const ORACLE_USAGE = 'usage: gauntlet gguf oracle FILE [--json] [--normalize] TEXT...';
const VERIFY_USAGE = 'usage: gauntlet gguf verify FILE [--json] [--verbose] [--timeout MS]';

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${VERIFY_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw usageError(`expected exactly one model file, got ${positionals.length}\n${VERIFY_USAGE}`);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw usageError(`--timeout: expected milliseconds > 0, got ${JSON.stringify(values.timeout)}`);
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

/** Lets the file be a command of its own as well. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'oracle') return oracleCommand(rest);
  if (sub === 'verify') return verifyCommand(rest);
  throw usageError(`expected "oracle" or "verify", got ${JSON.stringify(sub)}`);
}
