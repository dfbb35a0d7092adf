/** Forks isolation-child.ts, relays its progress, and returns its result; bounded by a deadline, no orphan left. */
import { fork } from 'node:child_process';
import { GauntletError } from '../util/errors.ts';
import { codePath, tsNodeArgs } from '../util/ts-runner.ts';
import type { IsolationBenchOptions } from './isolation.ts';
import type { IsolationResults } from './types.ts';

export interface IsolationRunOptions extends Omit<IsolationBenchOptions, 'onStep' | 'signal'> {
  timeoutMs: number;
  onStep?: (label: string) => void;
}

type ChildMessage = { type: 'step'; label: string } | { type: 'result'; result: IsolationResults } | { type: 'error'; message: string };

export function runIsolationInChild(opts: IsolationRunOptions): Promise<IsolationResults> {
  const { timeoutMs, onStep, ...options } = opts;
  const child = fork(codePath('harness/bench/isolation-child.ts'), [], {
    execArgv: tsNodeArgs(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => {
    // llama.cpp prints a warning per embedding; keep only a short tail for error messages.
    stderr.push(c.toString('utf8'));
    if (stderr.length > 30) stderr.shift();
  });
  return new Promise<IsolationResults>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const tail = () => stderr.join('').split('\n').filter((l) => !l.startsWith('init: embeddings required')).slice(-8).join('\n');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new GauntletError('GAUNTLET_TIMEOUT', `isolation benchmark did not finish within ${timeoutMs} ms (killed); stderr: ${tail()}`)));
    }, timeoutMs);
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'step') onStep?.(m.label);
      else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(new GauntletError('GAUNTLET_INTERNAL', `isolation benchmark failed: ${m.message}`)));
    });
    child.once('exit', (code, signal) => {
      finish(() => reject(new GauntletError('GAUNTLET_EMBEDDER_CRASHED', `isolation benchmark process exited (${signal ?? `code ${code}`}) before its result; stderr: ${tail()}`)));
    });
    child.send({ options });
  }).finally(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  });
}
