/** Generates docs/claims.md from the claim list: every target and thesis with its source, metric and threshold. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLAIMS } from './catalogue.ts';
import { MEASURED, REFERENCE_COSINE, UNMEASURED_TYPE_COSINE } from '../gguf/reference-bound.ts';
import { ggmlTypeName } from '../gguf/ggml-types.ts';
import { METRICS, type MetricDef } from './metrics-catalogue.ts';
import { NON_TARGET_NUMBERS } from './seed-numbers.ts';
import { SEEDS, formatSource } from './seeds.ts';
import type { Claim, ClaimSource, SeedId } from './types.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function sources(c: Claim): string {
  return [c.source, ...(c.alsoIn ?? [])].map((s: ClaimSource) => formatSource(s)).join('; ');
}

function counts(claims: readonly Claim[]) {
  const n = (f: (c: Claim) => boolean) => claims.filter(f).length;
  return {
    total: claims.length,
    targets: n((c) => c.kind === 'target'),
    theses: n((c) => c.kind === 'thesis'),
    required: n((c) => c.severity === 'required'),
    advisory: n((c) => c.severity === 'advisory'),
  };
}

function targetTable(claims: readonly Claim[]): string[] {
  const lines = [
    '| id | claim | seed figure | threshold | metric | severity | applies to |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of claims) {
    lines.push(`| \`${c.id}\` | ${cell(c.title)} | ${cell(c.stated)} | \`${cell(c.threshold)}\` | \`${c.metric}\` | ${c.severity} | ${c.appliesTo?.join(', ') ?? 'all'} |`);
  }
  return lines;
}

function details(c: Claim): string[] {
  const def = (METRICS as Record<string, MetricDef>)[c.metric]!;
  const out = [`### \`${c.id}\``, '', `${c.title}.`, ''];
  if (c.kind === 'thesis') {
    out.push(`- **Thesis:** ${c.statement}`);
    out.push(`- **Confirmed when:** \`${c.metric}\` \`${c.threshold}\`; **refuted means:** ${c.refutedMeans}.`);
  } else {
    out.push(`- **Target:** \`${c.metric}\` \`${c.threshold}\` (seed figure: ${c.stated}).`);
  }
  out.push(`- **Sources:** ${sources(c)}.`);
  if (c.baseline) out.push(`- **Baseline given by the seed:** ${c.baseline}.`);
  out.push(`- **Measured by:** ${def.scenarios.join(', ')} (${def.description}; unit ${def.unit}).`);
  for (const p of c.preconditions ?? []) out.push(`- **Precondition:** \`${p.metric}\` \`${p.threshold}\` — ${p.why}; otherwise inconclusive.`);
  if (c.kind === 'thesis') {
    for (const r of c.realRisks ?? []) out.push(`- **Real risk reported when refuted:** ${r.says} (\`${r.metric}\` \`${r.threshold}\`).`);
    if (c.context?.length) out.push(`- **Context shown with the verdict:** ${c.context.map((m) => `\`${m}\``).join(', ')}.`);
  }
  out.push(`- **Applies to:** ${c.appliesTo?.join(', ') ?? 'every adapter kind'}. **Severity:** ${c.severity} — ${c.rationale}`);
  out.push('');
  return out;
}

/** embeddings-match-reference's bound per weight type, with the figures it was set from (reference-bound.ts). */
function boundsSection(): string[] {
  const types = Object.entries(REFERENCE_COSINE).map(([t, b]) => `${ggmlTypeName(Number(t))} ${b}`).join(', ');
  const out = [
    '## embeddings-match-reference: the bound per weight type', '',
    `\`gauntlet run\` and \`gauntlet selfcheck\` set this claim's threshold from the run model's weight matrices (the coarsest type among them): ${types}; ` +
      `any other type ${UNMEASURED_TYPE_COSINE} (no engine was measured on it here). A config's own \`claims: { 'embeddings-match-reference': { threshold } }\` still wins. ` +
      'The oracle multiplies in Float64 with the weights exactly as the file holds them (dequantised as ggml does, bit for bit); llama.cpp also quantises the activations ' +
      'in a quantised matmul (Q8_0 against Q8_0 / Q4_0 weights, Q8_K against K-quants), so its vectors drift from the oracle\'s the coarser the type. ' +
      'Mean pooling (bert, nomic-bert) averages that noise over the tokens, qwen3\'s last-token pooling does not: its deficits are ~1000x bert\'s, and set the bounds. ' +
      'transformers.js on the F32 ONNX export of the same dequantised weights matches the oracle to 4e-10 (bert q4_k) and 5e-15 (nomic-bert q4_k), so the oracle\'s forward pass is exact and the drift is llama.cpp\'s. ' +
      'Each bound leaves at least 5x the worst deficit (1 - cosine) measured for its type and is never tighter than F32\'s. The figures (min cosine to the oracle over the 67 texts of `gauntlet gguf verify`, ' +
      'deterministic: one run per cell; node-llama-cpp and llama-server agree with each other to ~1e-10 on every row):', '',
    '| dtype | model | engine | min cosine | 1 - cosine |', '|---|---|---|---|---|',
  ];
  for (const m of MEASURED) out.push(`| ${m.dtype} | ${m.model} | ${m.engine} | ${m.minCosine} | ${(1 - m.minCosine).toExponential(1)} |`);
  out.push('');
  return out;
}

/** The whole of docs/claims.md, deterministic for a given claim list. */
export function renderClaimsMarkdown(claims: readonly Claim[] = CLAIMS): string {
  const k = counts(claims);
  const out: string[] = [
    '# Claims',
    '',
    '<!-- Generated by `gauntlet docs` from harness/claims/. Do not edit by hand. -->',
    '',
    `gauntlet checks ${k.total} claims taken from the five seed documents: ${k.targets} targets and ${k.theses} theses; ` +
      `${k.required} required, ${k.advisory} advisory.`,
    '',
    '- A **target** is a figure the seeds promise (e.g. host RSS < 100 MB). It passes or fails against a k6-style threshold ' +
      '(`p50<25ms`, `max<100MB`, `count==0`, `value>=99%`, `rate>40`, `ratio>=5x`); sizes in KB/MB/GB are 1000-based, KiB/MiB/GiB 1024-based.',
    '- A **thesis** is a statement about the world the seeds assert (e.g. "a 4.3 GB GGUF in the Node process will crash V8"). ' +
      'Its threshold is the condition that confirms it: pass = confirmed, fail = refuted, and a refuted thesis names the real risk measured instead.',
    '- **required** claims decide the exit code; **advisory** ones are reported only (mostly performance figures, which depend on the machine).',
    '- Verdicts per adapter: pass, fail, not-applicable (the claim is about another kind of adapter), inconclusive (the figure was not measured, ' +
      'with the reason: scenario not run or skipped, host died first, precondition not met). Figures measured only by `gauntlet bench` are reported under the adapter name `bench`.',
    '- Override a claim in `gauntlet.config.ts` with `claims: { "<id>": { threshold, severity, appliesTo } }`, or drop it with `false`.',
    '',
    '### Valid requests, bad answers, leftovers',
    '',
    '- A **valid request** is an embed or embed-batch a scenario sends that is well formed and within the limits the adapter promises: ' +
      'at least one text, no more than `maxBatch` where the adapter enforces gauntlet\'s limits, and not marked by its scenario as a deliberate ' +
      'edge case (bad-input\'s empty, huge and malformed texts; a host started on a corrupt model). The request ledger judges every one, in every scenario: ' +
      'unless an injected fault (up to 10 s before it or during it), a crash, restart, hang, give-up or host exit of its embedder, or its caller\'s own abort ' +
      'explains its end, it must end with as many vectors as texts, each of the model\'s dims, every value finite (`valid-requests-succeed`). ' +
      'A typed error counts against it, except `GAUNTLET_OVERLOADED` (promised back-pressure).',
    '- A **bad answer** is an engine\'s answer gauntlet cannot read as one: over HTTP a body that is not JSON (a bare `NaN`, a truncated body), a content type ' +
      'that is not JSON, a 2xx with an `error` body, no `data` list, more or fewer entries than inputs, a missing, out-of-range or duplicate `index`, a non-numeric value; ' +
      'over the protocol a frame for a waiting request that decodes to the wrong shape. It is that request\'s typed error `GAUNTLET_BAD_ANSWER` (quoting the first ' +
      '200 bytes of the body, or the bad field), counted by `valid-requests-succeed`; the scenario goes on, and it is never a harness error.',
    '- A **leftover** is any process of a scenario, other than its hosts, still alive once the scenario ended, its hosts were closed and the grace period ' +
      'passed: an embedder, a worker it started in a session of its own, a double-forked helper, found by pid, /proc descent or the run tag every process ' +
      'inherits. The embedder is its whole tree: a leftover fails `embedder-leaves-nothing-behind` whoever reaps it, and `parent-exit-no-orphans` counts ' +
      'every process of the embedder\'s tree still alive 1 s after its host was killed.',
    '- A figure whose every sample failed (a batch latency with 0 answers) is a failed claim saying so, not a missing figure.',
    '',
    '## Seed documents',
    '',
    '| seed | document | title | about |',
    '|---|---|---|---|',
    ...Object.values(SEEDS).map((s) => `| ${s.id} | ${s.document} | ${cell(s.title)} | ${cell(s.about)} |`),
    '',
  ];
  for (const seed of Object.keys(SEEDS) as SeedId[]) {
    const mine = claims.filter((c) => c.source.seed === seed);
    const alsoHere = claims.filter((c) => c.source.seed !== seed && (c.alsoIn ?? []).some((s) => s.seed === seed));
    out.push(`## Seed ${seed}: ${SEEDS[seed].title}`, '');
    if (mine.length) out.push(...targetTable(mine), '');
    else out.push('No claim takes this seed as its primary source.', '');
    if (alsoHere.length) out.push(`Also stated in seed ${seed}: ${alsoHere.map((c) => `\`${c.id}\``).join(', ')}.`, '');
  }
  out.push('## Claim details', '');
  for (const c of claims) out.push(...details(c));
  out.push(...boundsSection());
  out.push('## Metrics', '', 'The figures scenarios report in `ScenarioResult.metrics`. An aggregation other than the plain one is read from `<metric>.<aggregation>` (e.g. `host.rss.max`, `embed.latency.p50`).', '');
  out.push('| metric | kind | unit | produced by | what |', '|---|---|---|---|---|');
  const used = new Set(claims.flatMap((c) => [c.metric, ...(c.preconditions ?? []).map((p) => p.metric), ...(c.kind === 'thesis' ? [...(c.context ?? []), ...(c.realRisks ?? []).map((r) => r.metric)] : [])]));
  for (const [name, def] of Object.entries(METRICS as Record<string, MetricDef>)) {
    if (!used.has(name)) continue;
    out.push(`| \`${name}\` | ${def.kind} | ${def.unit} | ${def.scenarios.join(', ')} | ${cell(def.description)} |`);
  }
  out.push('', '## Seed figures that are not claims', '', 'Numbers with units on target-like lines of the seeds that gauntlet deliberately does not check, and why. A test fails if any other such figure is not stated by a claim.', '');
  out.push('| seed | figure | reason |', '|---|---|---|');
  for (const n of NON_TARGET_NUMBERS) out.push(`| ${n.seed} | ${n.quantity} | ${cell(n.reason)} |`);
  out.push('');
  return out.join('\n');
}

/** Writes docs/claims.md (or `file`); returns the path written. */
export function writeClaimsDoc(file: string, claims: readonly Claim[] = CLAIMS): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderClaimsMarkdown(claims));
  return file;
}
