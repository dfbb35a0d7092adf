/** The files `gauntlet init` writes: a commented gauntlet.config.ts for one embedder, and a GitHub workflow. */

export type InitKind = 'process' | 'http';

export interface InitOptions {
  kind: InitKind;
  /** The adapter's name in the config. */
  name: string;
  /** argv of the embedder (process) or of the server (http); undefined for an external http server. */
  command?: string[];
  /** http: the server's base URL. */
  url?: string;
  transport: 'stdio' | 'uds';
  codec: 'msgpack' | 'ndjson';
  /**
   * http with --url only (a server gauntlet does not start): the claims that cannot apply to it, each with the
   * reason its scenarios give (computed by `gauntlet init` from the scenarios' own applicability checks).
   */
  notApplicable?: Array<{ claims: string[]; reason: string }>;
}

/** Whether an http command carries {port}: then gauntlet can choose the port (freePort: true). */
export function hasPortPlaceholder(command: readonly string[] | undefined): boolean {
  return !!command?.some((w) => w.includes('{port}'));
}

/** Where the generated config sends its reports (and the workflow uploads them from). */
export const REPORT_DIR = 'reports/gauntlet';

/** A single-quoted TypeScript string literal. */
export function tsString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
}

function tsKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : tsString(name);
}

function tsArray(words: string[]): string {
  return `[${words.map(tsString).join(', ')}]`;
}

/** A command line for comments and descriptions: words with blanks or quotes are quoted again. */
export function showCommand(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./{}-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A comment line may not close the block comment it sits in. */
function inComment(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

function processAdapter(o: InitOptions, command: string[]): string[] {
  const how = `${o.transport} + ${o.codec === 'ndjson' ? 'NDJSON' : 'MessagePack'}`;
  return [
    `    ${tsKey(o.name)}: {`,
    `      kind: 'process',`,
    `      // argv, run without a shell. Filled in per run: {model} (the run's GGUF path; it also arrives in the`,
    `      // \`initialize\` message), {socket} (with transport 'uds'), {lanes}, {threads}, {maxBatch} and`,
    `      // {maxFrameBytes} (from \`limits\`).`,
    `      command: ${tsArray(command)},`,
    `      // The host process spawns the embedder, not your shell: relative paths in \`command\` start from here.`,
    `      cwd: here,`,
    `      // The wire protocol (gauntlet's docs/protocol.md). transport: 'stdio' (frames on stdin/stdout, logs on`,
    `      // stderr) or 'uds' (listen on {socket}, then print {"ready": true, "socket": "<path>", "pid": <pid>}).`,
    `      // codec: 'ndjson' (one JSON object a line, the easiest to write) or 'msgpack' (a 4-byte big-endian length`,
    `      // and one MessagePack map; vectors as Float32 bytes, the faster one in seed 004's figures).`,
    `      transport: ${tsString(o.transport)},`,
    `      codec: ${tsString(o.codec)},`,
    `      // env: { MY_EMBEDDER_LOG: 'warn' },`,
    `      // Supervisor tuning (restart breaker, health pings), passed as it is:`,
    `      // supervisor: { restart: { maxRestarts: 5, windowMs: 60_000 }, healthIntervalMs: 1_000, healthTimeoutMs: 5_000 },`,
    `      description: ${tsString(`${showCommand(command)} (${how})`)},`,
    `    },`,
  ];
}

function httpAdapter(o: InitOptions): string[] {
  const lines = [`    ${tsKey(o.name)}: {`, `      kind: 'http',`];
  if (o.command) {
    lines.push(
      `      // argv of the server, started (and restarted) by the host, run without a shell. Filled in per run: {model}`,
      `      // (the run's GGUF path), {port} (with freePort a free port per start, else the port of baseUrl, else 0),`,
      `      // {lanes}, {threads}, {maxBatch}`,
      `      // and {maxFrameBytes} (from \`limits\`).`,
      `      command: ${tsArray(o.command)},`,
      `      // The host process spawns the server, not your shell: relative paths in \`command\` start from here.`,
      `      cwd: here,`,
    );
    if (o.url) {
      lines.push(`      baseUrl: ${tsString(o.url)},`);
    } else if (hasPortPlaceholder(o.command)) {
      lines.push(
        `      // gauntlet picks a free loopback port before every start, passes it as {port} and talks to`,
        `      // http://127.0.0.1:{port}, so parallel hosts and restarts never collide. For a fixed port instead, drop`,
        `      // this line and set baseUrl: 'http://127.0.0.1:18080' ({port} is then 18080).`,
        `      freePort: true,`,
      );
    } else {
      lines.push(
        `      // The command has no {port} and there is no baseUrl, so gauntlet cannot know where the server listens`,
        `      // unless it prints one stdout line {"ready": true, "port": N} once it does (gauntlet's protocol for this;`,
        `      // a start without it fails after a few seconds quoting what the server printed). A server that does not:`,
        `      // add {port} to the command and freePort: true (gauntlet picks the port), or baseUrl: 'http://127.0.0.1:PORT'`,
        `      // (the address it always listens on). \`gauntlet run\` and \`embed\` warn about this shape when they load it.`,
      );
    }
    lines.push(
      `      // Exit codes (before ready) that mean "this server will never start": no restart after them.`,
      `      // supervisor: { terminalExitCodes: [2], restart: { maxRestarts: 5, windowMs: 60_000 } },`,
    );
  } else {
    lines.push(
      `      // A server you start yourself: gauntlet connects, and cannot kill, restart, stop or sample it. Start it`,
      `      // before \`gauntlet run\` (a refused connection fails the start at once, naming this URL), or give a`,
      `      // \`command\` to have the host start it. The claims below the adapters that need a server gauntlet starts are`,
      `      // not applicable to this one (the report says why).`,
      `      baseUrl: ${tsString(o.url!)},`,
    );
  }
  lines.push(
    `      // Polled until it answers 2xx (default: \`\${baseUrl}/health\`, where 503 means still loading).`,
    `      // readyUrl: ${tsString(`${(o.url ?? 'http://127.0.0.1:18080').replace(/\/+$/, '')}/health`)},`,
    `      // readyTimeoutMs: 60_000,`,
    `      // The \`model\` field of each POST /v1/embeddings (default: the model file's name).`,
    `      // modelName: 'my-model',`,
    `      description: ${tsString(o.command ? `${showCommand(o.command)} (OpenAI-compatible /v1/embeddings)` : `${o.url} (OpenAI-compatible /v1/embeddings)`)},`,
    `    },`,
  );
  return lines;
}

function claimLines(o: InitOptions): string[] {
  const external = o.kind === 'http' && !o.command;
  const lines = [
    `  // The claims are gauntlet's catalogue (docs/claims.md: id, source, threshold, severity). \`false\` drops one;`,
    `  // an object changes its threshold (k6 style) or severity, e.g.`,
    `  // 'embed-latency-p50-under-25ms': { threshold: 'p50<50ms', severity: 'required' },`,
    `  claims: {`,
  ];
  if (external && o.notApplicable?.length) {
    lines.push(`    // Not applicable to a server gauntlet does not start (each verdict says N/A with this reason):`);
    for (const g of o.notApplicable) {
      lines.push(...wrapComment(`${g.claims.join(', ')}: ${g.reason}.`, '    //   '));
    }
  }
  if (external) {
    lines.push(
      `    // A server of your own serves its own model, not the run's GGUF, so its vectors cannot match gauntlet's`,
      `    // oracle. Remove this line if the server loads the run's model file.`,
      `    'embeddings-match-reference': false,`,
    );
  } else {
    lines.push(
      `    // 'embeddings-match-reference' compares every vector with gauntlet's own forward pass of the run's model:`,
      `    // your embedder must load it (\`modelPath\` in \`initialize\`, or {model}). If it only runs a model of its own,`,
      `    // drop the claim; the checks of an embedder against itself (after a restart, batch == single) still apply.`,
      `    // 'embeddings-match-reference': false,`,
    );
  }
  lines.push(`  },`);
  return lines;
}

/** `text` as comment lines of at most ~110 columns, each starting with `prefix`. */
function wrapComment(text: string, prefix: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of inComment(text).split(/\s+/)) {
    if (line && prefix.length + line.length + 1 + word.length > 112) {
      out.push(`${prefix}${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(`${prefix}${line}`);
  return out;
}

/** Command lines with their comments aligned: `cmd   # what it does`. */
export function usageLines(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([c]) => c.length)) + 3;
  return rows.map(([c, what]) => `${c.padEnd(width)}# ${what}`);
}

export function configText(o: InitOptions): string {
  const what = o.command ? `\`${inComment(showCommand(o.command))}\`` : inComment(o.url ?? '');
  const kindLine = o.kind === 'process'
    ? ` * A process adapter: gauntlet's host spawns ${what} under its supervisor and talks to it over`
    : o.command
      ? ` * An http adapter: gauntlet's host starts ${what} and sends it OpenAI-compatible POST /v1/embeddings`
      : ` * An http adapter: gauntlet sends OpenAI-compatible POST /v1/embeddings requests to ${what}`;
  const kindLine2 = o.kind === 'process'
    ? ` * ${o.transport} with the ${o.codec === 'ndjson' ? 'NDJSON' : 'MessagePack'} codec, the protocol in gauntlet's docs/protocol.md.`
    : o.command ? ' * requests, restarting it when it crashes or hangs.' : ' * (a server you run yourself).';
  const needsHere = o.command !== undefined;
  return [
    `/**`,
    ` * gauntlet config for the embedder "${inComment(o.name)}", written by \`gauntlet init\`; edit it freely.`,
    kindLine,
    kindLine2,
    ` *`,
    ...usageLines([
      [`npx gauntlet embed --adapter ${o.name} "hello world"`, 'one embedding through the real path'],
      ['npx gauntlet run --quick', `scenarios + claims -> ${REPORT_DIR}/report.html`],
      ['npx gauntlet run --list', 'the scenarios and adapters it knows'],
      ['npx gauntlet run --quick --scenario forced-kill', 'one scenario family'],
    ]).map((l) => ` *   ${inComment(l)}`),
    ` *`,
    ` * Exit code of \`gauntlet run\`: 0 every required claim passed, 1 a required claim failed, 2 harness error.`,
    ` * Adapter shapes and placeholders: gauntlet's docs/adapters.md.`,
    ` */`,
    ...(needsHere ? [`import { fileURLToPath } from 'node:url';`] : []),
    `import { defineConfig } from 'gauntlet';`,
    ``,
    ...(needsHere ? [`/** This file's folder. */`, `const here = fileURLToPath(new URL('.', import.meta.url));`, ``] : []),
    `export default defineConfig({`,
    `  adapters: {`,
    ...(o.kind === 'process' ? processAdapter(o, o.command!) : httpAdapter(o)),
    `  },`,
    `  // What \`gauntlet run\` runs without --adapter. gauntlet's own reference embedder (the seeds' recommended design,`,
    `  // stdio + MessagePack) comes with node-llama-cpp, an optional peer dependency (npm install -D node-llama-cpp);`,
    `  // with it installed, add it to read every table with yours beside it,`,
    `  //   defaultAdapters: [${tsString(o.name)}, 'reference'],`,
    `  // (also 'reference-uds', 'reference-ndjson', 'reference-http', and 'in-process', the design the seeds reject).`,
    `  defaultAdapters: [${tsString(o.name)}],`,
    `  // The model every adapter loads: a synthetic BERT GGUF generated from this seed (cached under ~/.cache/gauntlet),`,
    `  // whose right vectors gauntlet computes itself. Or a GGUF file of yours: model: './models/my-model.gguf'.`,
    `  model: { preset: 'tiny', seed: 1, dtype: 'f32' },`,
    `  // Protocol limits, sent to the embedder as {maxBatch} / {maxFrameBytes} and checked by the scenarios.`,
    `  // limits: { maxFrameBytes: 65_536, maxBatch: 10, requestTimeoutMs: 30_000, startTimeoutMs: 15_000 },`,
    ...claimLines(o),
    `  reporters: ['console', 'json', 'junit', 'markdown', 'html'],`,
    `  // report.html, report.json, junit.xml and summary.md go here (relative to this file).`,
    `  outDir: ${tsString(REPORT_DIR)},`,
    `  // The benchmark suite measures gauntlet's own codecs and transports (seed 004's IPC figures), not your`,
    `  // embedder; 'on' adds it to every run (about 30 s with --quick).`,
    `  bench: 'off',`,
    `  // Seed of every random choice; printed in every report, so a run can be reproduced.`,
    `  seed: 1,`,
    `});`,
    ``,
  ].join('\n');
}

/** The `gauntlet` script added to package.json. */
export const PACKAGE_SCRIPT = 'gauntlet run --quick';

export function workflowText(o: InitOptions): string {
  const setup = o.command && /^python/.test(o.command[0]!.split('/').pop()!)
    ? ['      # ubuntu-latest has python3; pin a version and install your requirements here if the embedder needs them:', '      # - uses: actions/setup-python@v5', '      #   with:', "      #     python-version: '3.12'", '      # - run: pip install -r requirements.txt']
    : ['      # Build or install your embedder here if the config\'s command needs it (cargo build --release, pip install, ...).'];
  return [
    `# Written by \`gauntlet init\`: runs gauntlet's quick scenarios against the embedder in gauntlet.config.ts,`,
    `# writes summary.md to the job summary, uploads the report folder (report.html opens from disk), and fails the`,
    `# job when a required claim fails (exit 1) or the harness cannot run (exit 2).`,
    `name: gauntlet`,
    `on:`,
    `  pull_request:`,
    `  push:`,
    `    branches: [main]`,
    `jobs:`,
    `  gauntlet:`,
    `    runs-on: ubuntu-latest`,
    `    timeout-minutes: 30`,
    `    steps:`,
    `      - uses: actions/checkout@v4`,
    `      - uses: actions/setup-node@v4`,
    `        with:`,
    `          node-version: 20`,
    `          cache: npm`,
    `      # gauntlet is a devDependency of this project (npm install -D gauntlet); npm ci needs package-lock.json.`,
    `      - run: npm ci`,
    ...setup,
    `      # Generated models and built engines, so that later runs skip generating them.`,
    `      - name: Cache gauntlet models and engines`,
    `        uses: actions/cache@v4`,
    `        with:`,
    `          path: ~/.cache/gauntlet`,
    `          key: gauntlet-\${{ runner.os }}-\${{ hashFiles('package-lock.json') }}`,
    `          restore-keys: gauntlet-\${{ runner.os }}-`,
    `      - name: Run gauntlet`,
    `        run: npx gauntlet run --quick`,
    `      - name: Step summary`,
    `        if: always()`,
    `        run: cat ${REPORT_DIR}/summary.md >> "$GITHUB_STEP_SUMMARY" || echo "gauntlet wrote no summary.md" >> "$GITHUB_STEP_SUMMARY"`,
    `      - name: Upload report`,
    `        if: always()`,
    `        uses: actions/upload-artifact@v4`,
    `        with:`,
    `          name: gauntlet-report`,
    `          path: ${REPORT_DIR}/`,
    `          if-no-files-found: warn`,
    ``,
  ].join('\n');
}
