/** Shared bits of the supervisor tests: fixture commands, pid checks, bounded waits. */
import { readFileSync } from 'node:fs';
import { Supervisor } from '../../harness/supervisor/supervisor.ts';
import type { LifecycleEvent, SupervisorOptions } from '../../harness/supervisor/types.ts';
import { packagePath, tsNodeArgs } from '../../harness/util/ts-runner.ts';

export const FIXTURE = packagePath('test/fixtures/supervisor-embedder.ts');

/** argv of the fake embedder with the given flags. */
export function fixtureCommand(transport: 'stdio' | 'uds', codec: 'ndjson' | 'msgpack', flags: string[] = []): string[] {
  const socket = transport === 'uds' ? ['--socket', '{socket}'] : [];
  return [process.execPath, ...tsNodeArgs(), FIXTURE, '--transport', transport, '--codec', codec, ...socket, ...flags];
}

/** Quick defaults for tests: short deadlines, fast backoff, no background pings unless asked. */
export function fixtureOptions(over: Partial<SupervisorOptions> & { flags?: string[] } = {}): SupervisorOptions {
  const { flags, ...rest } = over;
  const transport = rest.transport ?? 'stdio';
  const codec = rest.codec ?? 'ndjson';
  return {
    command: fixtureCommand(transport, codec, flags),
    transport,
    codec,
    modelPath: '/nonexistent/fixture.gguf',
    readyTimeoutMs: 15_000,
    requestTimeoutMs: 10_000,
    healthIntervalMs: 0,
    healthTimeoutMs: 500,
    shutdownGraceMs: 1_000,
    restart: { maxRestarts: 3, windowMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 50, jitter: 0 },
    ...rest,
  };
}

/** A supervisor that records its lifecycle events. */
export function recorded(options: SupervisorOptions): { sup: Supervisor; events: LifecycleEvent[] } {
  const sup = new Supervisor(options);
  const events: LifecycleEvent[] = [];
  sup.on('lifecycle', (e) => events.push(e));
  return { sup, events };
}

/** True while `pid` runs; a zombie (dead, not yet reaped by its new parent) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+[ZX]/m.test(status);
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** Polls `cond` every 20 ms until true or `ms` passed; returns the last value. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** Resolves with the first event of `type` (after `after` events already seen), or undefined after `ms`. */
export async function nextEvent(events: LifecycleEvent[], type: LifecycleEvent['type'], ms: number, after = 0): Promise<LifecycleEvent | undefined> {
  const found = () => events.slice(after).find((e) => e.type === type);
  await waitFor(() => found() !== undefined, ms);
  return found();
}

/** Rejection of `p` (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection, got a result');
}
