import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { packagePath, tsNodeArgs } from '../../harness/util/ts-runner.ts';
import { pidAlive, waitFor } from './helpers.ts';

const HOST = packagePath('test/fixtures/supervisor-host.ts');
const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

/** Starts the fixture host; resolves with it and its embedder's pid (from its first stdout line). */
async function startHost(mode: 'wait' | 'exit', embedderFlags: string[]): Promise<{ host: ChildProcess; embedderPid: number }> {
  const host = spawn(process.execPath, [...tsNodeArgs(), HOST, mode, ...embedderFlags], { stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(host.pid!);
  let stderr = '';
  host.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host printed no pid within 20 s; stderr: ${stderr}`)), 20_000);
    createInterface({ input: host.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const embedderPid = (JSON.parse(line) as { embedderPid: number }).embedderPid;
  spawned.push(embedderPid);
  expect(pidAlive(embedderPid)).toBe(mode === 'wait' ? true : pidAlive(embedderPid));
  return { host, embedderPid };
}

describe('no orphan embedders', () => {
  it('host SIGKILLed: the embedder sees stdin EOF and exits', async () => {
    const { host, embedderPid } = await startHost('wait', []);
    expect(pidAlive(embedderPid)).toBe(true);
    host.kill('SIGKILL');
    expect(await waitFor(() => !pidAlive(embedderPid), 5_000)).toBe(true);
  });

  it('host calls process.exit(): the exit handler SIGKILLs an embedder that ignores EOF and SIGTERM', async () => {
    const { host, embedderPid } = await startHost('exit', ['--stay-on-eof', '--ignore-sigterm']);
    await new Promise<void>((resolve) => (host.exitCode !== null ? resolve() : host.once('exit', () => resolve())));
    expect(await waitFor(() => !pidAlive(embedderPid), 3_000)).toBe(true);
  });

  it('host SIGTERMed: the embedder that ignores EOF and SIGTERM is still killed', async () => {
    const { host, embedderPid } = await startHost('wait', ['--stay-on-eof', '--ignore-sigterm']);
    expect(pidAlive(embedderPid)).toBe(true);
    host.kill('SIGTERM');
    expect(await waitFor(() => !pidAlive(embedderPid), 3_000)).toBe(true);
  });
});
