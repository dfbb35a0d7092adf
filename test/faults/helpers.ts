import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface Spawned {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  firstLine: Promise<string>;
  lines: string[];
}

/** Spawns `argv` and resolves once it printed its first line. */
export async function spawnReady(argv: string[]): Promise<Spawned> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let buf = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no output from ${argv.join(' ')} in 10 s`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        clearTimeout(t);
        resolve(lines[0]!);
      }
    });
    child.once('exit', () => { clearTimeout(t); resolve(lines[0] ?? ''); });
  });
  await firstLine;
  return { child, pid: child.pid!, exited, firstLine, lines };
}

export function nodeFixture(name: string, ...args: string[]): string[] {
  return [process.execPath, path.join(FIXTURES, name), ...args];
}
