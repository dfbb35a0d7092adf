/**
 * Runs the isolation benchmark in a child process (forked by isolation-runner.ts). The in-process adapter loads
 * node-llama-cpp here, so llama.cpp's native log lines (written straight to fd 2, one per embedding) and any
 * native crash stay out of the bench CLI; the caller of every adapter is this one process, so the comparison holds.
 * IPC in: { options }. IPC out: { type: 'step', label } ..., then { type: 'result', result } or { type: 'error', message }.
 */
import { benchIsolation, type IsolationBenchOptions } from './isolation.ts';

const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

process.once('message', (msg: { options: Omit<IsolationBenchOptions, 'onStep' | 'signal'> }) => {
  void (async () => {
    try {
      const result = await benchIsolation({ ...msg.options, onStep: (label) => { void send({ type: 'step', label }); } });
      await send({ type: 'result', result });
    } catch (e) {
      await send({ type: 'error', message: (e as Error)?.stack ?? String(e) });
    }
    process.exit(0);
  })();
});
// The parent going away ends us too.
process.on('disconnect', () => process.exit(0));
