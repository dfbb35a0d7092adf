/**
 * `gauntlet bench [--json] [--quick] [--out DIR] [--only SECTION,...] [--fail-on-miss]`
 * Codec, transport, isolation and sampler-overhead benchmarks (issue 6). Progress on stderr; tables and one line
 * per target on stdout (or the whole result as JSON with --json); bench.json and report.html in --out.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_SECTIONS, runBench } from '../bench/run-bench.ts';
import { formatSections, formatTargets } from '../bench/format.ts';
import { writeBenchOutput } from '../bench/write-output.ts';
import type { BenchEvent, BenchSection } from '../bench/types.ts';
import { usageError } from '../util/errors.ts';

export const HELP = `usage: gauntlet bench [--json] [--quick] [--out DIR] [--only SECTIONS] [--fail-on-miss]

Benchmarks, each measured side by side in one run, each target printed as PASS or MISS with its figure and, for a
p50, its 95 % interval (NOISY, too noisy to judge, when the interval reaches past +/-20 % of the figure):
  codecs      encode+decode of a 768-float vector and a batch of 10: msgpack (Float32 bin), msgpack (number
              arrays), NDJSON
  transports  ping round trip and 1 KB / 1 MB / 10 MB transfers over stdio, Unix socket, HTTP and shared memory
              (seed 004: payloads in a /dev/shm ring, control over the socket; where its addon builds), to an echo
              peer process (maxFrameBytes raised on both ends for the transfers); the JSON and UTF-8 share of
              the NDJSON 1 KB round trip; 500 concurrent connections to a Unix-socket server process,
              each checked for its own answer (errors, server RSS per open connection)
  isolation   embeddings/s through the reference embedder (stdio, UDS) vs node-llama-cpp in-process, 1 lane and
              all cores, single texts and batches of 10 (tiny model; small model too unless --quick); host
              RSS with the model in-process vs the host of the external design (one harness host each)
  overhead    CPU, heap and latency shift of the harness's sampler at its default interval

options:
  --json           print the result as JSON on stdout ({"targets": [...], "codecs", "transports", ...})
  --quick          shorter measurements (< 60 s in all); the default run takes < 3 min
  --out DIR        where bench.json and report.html go (default reports/bench)
  --only LIST      comma-separated sections to run (${BENCH_SECTIONS.join(',')})
  --fail-on-miss   exit 1 when a target is missed (default: exit 0 once the benchmarks ran)
`;

function progress(e: BenchEvent): void {
  const line = e.type === 'section-start' ? `bench: ${e.section}...`
    : e.type === 'section-end' ? `bench: ${e.section} done in ${(e.ms / 1000).toFixed(1)} s`
      : e.type === 'step' ? `bench:   ${e.section}: ${e.label}`
        : `bench: ${e.section} skipped: ${e.reason}`;
  process.stderr.write(`${line}\n`);
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        out: { type: 'string', default: path.join('reports', 'bench') },
        only: { type: 'string' },
        'fail-on-miss': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let sections: BenchSection[] | undefined;
  if (values.only !== undefined) {
    sections = values.only.split(',').map((s) => s.trim()).filter(Boolean) as BenchSection[];
    const bad = sections.filter((s) => !BENCH_SECTIONS.includes(s));
    if (bad.length || sections.length === 0) {
      throw usageError(`--only: unknown section ${JSON.stringify(bad[0] ?? values.only)}; expected a comma-separated list of ${BENCH_SECTIONS.join(', ')}`);
    }
  }
  const result = await runBench({ quick: values.quick, ...(sections ? { sections } : {}), onEvent: progress });
  const command = ['npx gauntlet bench', ...argv].join(' ');
  const files = await writeBenchOutput(result, path.resolve(values.out), command);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${formatSections(result)}\n\n${formatTargets(result.targets)}\n`);
  process.stderr.write(`bench: wrote ${files.join(', ')}\n`);
  if (result.skipped.length && result.targets.length === 0) return 2;
  return values['fail-on-miss'] && result.targets.some((t) => !t.pass) ? 1 : 0;
}
