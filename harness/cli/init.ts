/**
 * `gauntlet init [--kind process|http] [--command "..."] [--url URL] [--name NAME] [--force]`
 * Sets gauntlet up in the user's project: a commented gauntlet.config.ts for one embedder, a `gauntlet` script in
 * package.json and .github/workflows/gauntlet.yml. Nothing that exists is replaced without --force.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_NAMES } from '../config/load-config.ts';
import { REFERENCE_ADAPTERS } from '../engines/node-llama-cpp.ts';
import { notApplicableClaims } from '../init/not-applicable.ts';
import { splitCommand } from '../init/split-command.ts';
import { configText, hasPortPlaceholder, PACKAGE_SCRIPT, REPORT_DIR, showCommand, usageLines, workflowText, type InitKind, type InitOptions } from '../init/templates.ts';
import { usageError } from '../util/errors.ts';

export const HELP = `usage: gauntlet init [--kind process|http] [--command "..."] [--url URL] [--name NAME] [--force]

Sets gauntlet up in the project in the current folder (it must have a package.json):
  gauntlet.config.ts            a commented config with one adapter for your embedder
  package.json                  a "gauntlet" script: ${PACKAGE_SCRIPT}
  .github/workflows/gauntlet.yml  a GitHub Actions job that runs it and uploads the report

options:
  --kind KIND        process: a process speaking gauntlet's protocol (docs/protocol.md), started by the host;
                     http: an OpenAI-compatible /v1/embeddings server (default: http with --url, else process)
  --command "..."    the embedder's (or server's) command line, split like a shell would, e.g.
                     --command "python3 embedder.py"; placeholders such as {model}, {socket}, {port} stay as they are
  --url URL          http: the server's base URL, e.g. http://127.0.0.1:8080 (with or without --command);
                     an http --command with {port} and no --url gets freePort: true (a free port per start)
  --name NAME        the adapter's name in the config (default: package.json's name, else "embedder")
  --transport T      process: stdio or uds (default: uds when the command has {socket}, else stdio)
  --codec C          process: ndjson or msgpack (default: ndjson)
  --force            overwrite files and the script that exist (default: keep them and say so)

examples:
  npx gauntlet init --kind process --command "python3 embedder.py"
  npx gauntlet init --kind process --command "./target/release/my-embedder --socket {socket}" --codec msgpack
  npx gauntlet init --kind http --url http://127.0.0.1:11434
  npx gauntlet init --kind http --command "python3 server.py --model {model} --port {port}"
  npx gauntlet init --kind http --command "llama-server --embeddings -m {model} --port {port}" --url http://127.0.0.1:18080
`;

const KINDS: readonly InitKind[] = ['process', 'http'];
const TRANSPORTS = ['stdio', 'uds'] as const;
const CODECS = ['ndjson', 'msgpack'] as const;
const WORKFLOW = path.join('.github', 'workflows', 'gauntlet.yml');

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        kind: { type: 'string' },
        command: { type: 'string' },
        url: { type: 'string' },
        name: { type: 'string' },
        transport: { type: 'string' },
        codec: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    throw usageError(`${(e as Error).message}\n\n${HELP}`);
  }
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw usageError(`--${flag}: unknown value ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function parseUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch { /* reported below */ }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw usageError(`--url: expected an http:// or https:// base URL such as http://127.0.0.1:8080, got ${JSON.stringify(text)}`);
  }
  return text.replace(/\/+$/, '');
}

/** The adapter name: --name, else package.json's name without its scope, else "embedder". */
function pickName(asked: string | undefined, pkgName: unknown): string {
  // gauntlet's own adapters, whether node-llama-cpp is installed now or later (a config's adapter would replace one).
  const builtIn: readonly string[] = REFERENCE_ADAPTERS;
  if (asked !== undefined) {
    if (!/^[A-Za-z0-9][\w.-]*$/.test(asked)) {
      throw usageError(`--name: expected letters, digits, '.', '_' or '-' (e.g. my-embedder), got ${JSON.stringify(asked)}`);
    }
    if (builtIn.includes(asked)) {
      throw usageError(`--name: ${JSON.stringify(asked)} is one of gauntlet's built-in adapters (${builtIn.join(', ')}); pick another name`);
    }
    return asked;
  }
  const fromPkg = typeof pkgName === 'string' ? pkgName.replace(/^@[^/]+\//, '').replace(/[^\w.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') : '';
  return fromPkg && !builtIn.includes(fromPkg) ? fromPkg : 'embedder';
}

/** Checks every flag against the others; nothing is written before this passes. */
function initOptions(values: ReturnType<typeof parse>, pkgName: unknown): InitOptions {
  const kind = oneOf('kind', values.kind, KINDS, values.url !== undefined ? 'http' : 'process');
  const command = values.command === undefined ? undefined : splitCommand('--command', values.command);
  const url = values.url === undefined ? undefined : parseUrl(values.url);
  const name = pickName(values.name, pkgName);
  if (kind === 'process') {
    if (!command) throw usageError('--kind process needs --command, the embedder\'s command line, e.g. --command "python3 embedder.py"');
    if (url !== undefined) throw usageError(`--url ${values.url}: a process adapter has no URL; use --kind http for a server`);
    const transport = oneOf('transport', values.transport, TRANSPORTS, command.some((w) => w.includes('{socket}')) ? 'uds' : 'stdio');
    const codec = oneOf('codec', values.codec, CODECS, 'ndjson');
    return { kind, name, command, transport, codec };
  }
  if (!command && url === undefined) {
    throw usageError('--kind http needs --url (a server you run, e.g. --url http://127.0.0.1:8080) or --command (a server the host starts), or both');
  }
  for (const flag of ['transport', 'codec'] as const) {
    if (values[flag] !== undefined) throw usageError(`--${flag} ${values[flag]}: only a process adapter has one; an http adapter speaks JSON over HTTP`);
  }
  const notApplicable = command ? undefined : notApplicableClaims({ kind: 'http', baseUrl: url! }, name);
  return { kind, name, command, url, transport: 'stdio', codec: 'ndjson', notApplicable };
}

type Outcome = 'wrote' | 'overwrote' | 'kept' | 'unchanged';

function writeFile(file: string, text: string, force: boolean): Outcome {
  if (existsSync(file)) {
    if (readFileSync(file, 'utf8') === text) return 'unchanged';
    if (!force) return 'kept';
    writeFileSync(file, text);
    return 'overwrote';
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return 'wrote';
}

interface PackageJson {
  file: string;
  text: string;
  data: { name?: unknown; scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
}

function readPackageJson(cwd: string): PackageJson {
  const file = path.join(cwd, 'package.json');
  if (!existsSync(file)) throw usageError(`no package.json in ${cwd}; run it from your project's folder, or create one first (npm init -y)`);
  const text = readFileSync(file, 'utf8');
  try {
    const data = JSON.parse(text) as PackageJson['data'];
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not an object');
    if (data.scripts !== undefined && (typeof data.scripts !== 'object' || Array.isArray(data.scripts))) throw new Error('"scripts" is not an object');
    return { file, text, data };
  } catch (e) {
    throw usageError(`${file}: not a valid package.json (${(e as Error).message}); fix it, then run gauntlet init again`);
  }
}

/** Adds the script, keeping the file's indentation and final newline. */
function addScript(pkg: PackageJson, force: boolean): Outcome {
  const scripts = pkg.data.scripts ?? {};
  const had = scripts.gauntlet;
  if (had === PACKAGE_SCRIPT) return 'unchanged';
  if (had !== undefined && !force) return 'kept';
  pkg.data.scripts = { ...scripts, gauntlet: PACKAGE_SCRIPT };
  const indent = /^[ \t]+(?=")/m.exec(pkg.text)?.[0] ?? '  ';
  writeFileSync(pkg.file, JSON.stringify(pkg.data, null, indent) + (pkg.text.endsWith('\n') ? '\n' : ''));
  return had === undefined ? 'wrote' : 'overwrote';
}

export async function run(argv: string[], cwd = process.cwd()): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const pkg = readPackageJson(cwd);
  const opts = initOptions(values, pkg.data.name);
  const force = values.force;
  const warnings: string[] = [];
  if (opts.kind === 'http' && opts.command && !opts.url && !hasPortPlaceholder(opts.command)) {
    warnings.push('the command has no {port} and there is no --url: the server must print {"ready": true, "port": N} on stdout once it listens; if it does not, add {port} to the command (gauntlet then picks a free one), or give --url (where it listens). The config says so too');
  }
  if (opts.kind === 'process' && opts.transport === 'uds' && !opts.command!.some((w) => w.includes('{socket}'))) {
    warnings.push('transport uds: the command has no {socket}; the embedder learns the socket path to listen on from it');
  }
  const others = CONFIG_NAMES.filter((n) => n !== 'gauntlet.config.ts' && existsSync(path.join(cwd, n)));
  if (others.length > 0) warnings.push(`${others.join(', ')} exists too; gauntlet.config.ts is the one gauntlet loads (first of ${CONFIG_NAMES.join(', ')})`);

  const rows: [Outcome, string, string][] = [
    [writeFile(path.join(cwd, 'gauntlet.config.ts'), configText(opts), force), 'gauntlet.config.ts', `adapter "${opts.name}" (${opts.kind})`],
    [addScript(pkg, force), 'package.json', `script "gauntlet": "${PACKAGE_SCRIPT}"`],
    [writeFile(path.join(cwd, WORKFLOW), workflowText(opts), force), WORKFLOW, 'GitHub Actions job'],
  ];
  const out: string[] = [];
  for (const [outcome, file, what] of rows) {
    const note = outcome === 'kept' ? ' (it exists and differs; --force overwrites it)' : outcome === 'unchanged' ? ' (already so)' : '';
    out.push(`${outcome.padEnd(9)} ${file}: ${what}${note}`);
  }
  for (const w of warnings) out.push(`warning: ${w}`);
  const deps = { ...pkg.data.dependencies, ...pkg.data.devDependencies };
  const next: [string, string][] = [];
  if (!('gauntlet' in deps)) next.push(['npm install -D gauntlet', 'a devDependency: the workflow runs npm ci']);
  next.push([`npx gauntlet embed --adapter ${opts.name} "hello world"`, 'one embedding through the real path']);
  next.push(['npm run gauntlet', `the quick scenarios; then open ${REPORT_DIR}/report.html`]);
  out.push('', 'next:', ...usageLines(next).map((l) => `  ${l}`));
  if (opts.command) out.push(`  (the host runs ${showCommand(opts.command)} from this folder)`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
