/**
 * Why an embedder or http server did not start, in words that name the cause and the fix, found as early as the
 * cause is knowable (docs/adapters.md "When it does not start"): a command that is not there (and the PATH that
 * was searched), a server that listens on a port nobody told gauntlet (no ready line, or not the port of baseUrl),
 * a readiness URL the server answers 404 to, nothing listening at a fixed baseUrl, an embedder whose first answers
 * are not `initialized`. Linux's /proc tells which ports a process tree listens on; elsewhere that check is skipped
 * and the start's deadline says the rest.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { lastLines } from './supervisor-errors.ts';

/** `pid` and every process below it (from /proc/<pid>/task/<tid>/children), at most 64. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length && out.length < 64; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number).filter((n) => n > 0 && !out.includes(n)));
      }
    } catch { /* gone, or no /proc */ }
  }
  return out;
}

/**
 * TCP ports the process tree of `pid` listens on (IPv4 and IPv6), or undefined where /proc cannot say (not Linux,
 * or the process is gone). The kernel's socket inodes of LISTEN rows (state 0A) matched against the tree's fds.
 */
export function listeningPorts(pid: number | undefined): number[] | undefined {
  if (pid === undefined || process.platform !== 'linux' || !existsSync(`/proc/${pid}`)) return undefined;
  const inodes = new Set<string>();
  for (const p of processTree(pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch { /* closed meanwhile */ }
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** "stdout: ...; stderr: ..." of what a process printed, or that it printed nothing. */
export function outputTails(stdoutTail: string, stderrTail: string): string {
  const parts = [stdoutTail.trim() ? `its stdout ended: ${lastLines(stdoutTail)}` : 'it printed nothing on stdout',
    stderrTail.trim() ? `its stderr ended: ${lastLines(stderrTail)}` : 'nothing on stderr'];
  return parts.join('; ');
}

/**
 * Why `argv[0]` could not be spawned, for the message after "could not spawn X: ": not found (with the folders of
 * PATH that were searched, or the path resolved against cwd), not executable, or the system's own words.
 */
export function spawnFailure(argv0: string, error: Error, cwd: string | undefined, envPath: string | undefined = process.env.PATH): string {
  const code = (error as NodeJS.ErrnoException).code ?? /\b(ENOENT|EACCES|ENOTDIR)\b/.exec(error.message)?.[1];
  const base = cwd ?? process.cwd();
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    if (argv0.includes('/')) {
      const full = path.resolve(base, argv0);
      return `ENOENT: ${full} does not exist (a relative command starts from the adapter's cwd, ${base})${existsSync(base) ? '' : `; that folder does not exist either`}`;
    }
    const dirs = (envPath ?? '').split(path.delimiter).filter(Boolean);
    return `ENOENT: ${JSON.stringify(argv0)} is not on the PATH the host searched (${dirs.join(path.delimiter) || 'PATH is empty'}); install it, use its absolute path, or set PATH in the adapter's env`;
  }
  if (code === 'EACCES') return `EACCES: ${argv0} is not executable by this user (chmod +x it, or run it through its interpreter, e.g. ['python3', '${argv0}'])`;
  return error.message.split('\n')[0]!;
}
