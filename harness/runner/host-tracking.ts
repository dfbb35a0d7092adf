/**
 * Wraps the HostHandles a scenario starts: lifecycle events go to the timeline (and `restart` events to the run),
 * every pid the host reports is tracked, and an exit nobody asked for is recorded as a host death.
 */
import type { HostExit, HostHandle } from '../host/types.ts';
import type { TimelineEvent } from '../report/schema.ts';
import type { ProcessTracker } from './process-tracker.ts';

export interface TrackedHost {
  handle: HostHandle;
  /** The handle given to the scenario (close/kill mark the exit as expected). */
  view: HostHandle;
  expectedExit: boolean;
  exit?: HostExit;
  /** Last embedder pid seen in a lifecycle event. */
  embedderPid?: number;
}

const KIND: Record<string, TimelineEvent['kind']> = {
  spawn: 'spawn', ready: 'ready', crash: 'crash', restart: 'restart', 'give-up': 'give-up',
  'hang-detected': 'hang', 'start-failed': 'error', 'protocol-fault': 'error', 'bad-answer': 'error',
};

export interface HostTrackingSinks {
  owner: string;
  tracker: ProcessTracker;
  addTimeline(kind: TimelineEvent['kind'], label: string, details: Record<string, unknown>, at?: number): void;
  onRestart(event: Record<string, unknown>): void;
}

/** True when the exit was a crash (a signal or a non-zero code). */
export function isCrash(exit: HostExit): boolean {
  return exit.signal !== null || (exit.code !== null && exit.code !== 0);
}

export function trackHost(handle: HostHandle, sinks: HostTrackingSinks): TrackedHost {
  const t: TrackedHost = { handle, view: handle, expectedExit: false };
  sinks.tracker.track(handle.pid, sinks.owner, 'host');
  handle.on('lifecycle', (ev) => {
    const pid = typeof ev.pid === 'number' ? ev.pid : undefined;
    if (pid !== undefined && pid !== handle.pid) {
      sinks.tracker.track(pid, sinks.owner, 'embedder');
      if (ev.type === 'spawn' || ev.type === 'ready') t.embedderPid = pid;
    }
    const { type, at, ...rest } = ev;
    sinks.addTimeline(KIND[type] ?? 'note', `${type}${pid ? ` pid ${pid}` : ''}`, { type, ...rest }, at);
    if (type === 'restart' || type === 'crash' || type === 'give-up') sinks.onRestart({ ...ev });
  });
  handle.on('exit', (exit) => {
    t.exit = exit;
    sinks.addTimeline('host-exit', `host pid ${handle.pid} exited (${exit.signal ?? `code ${exit.code}`})`, {
      code: exit.code, signal: exit.signal, expected: t.expectedExit, stderrTail: exit.stderrTail.slice(-2000),
    });
  });
  t.view = new Proxy(handle, {
    get(target, prop) {
      if (prop === 'close') {
        return (opts?: Parameters<HostHandle['close']>[0]) => { t.expectedExit = true; return target.close(opts); };
      }
      if (prop === 'kill') {
        return (signal?: NodeJS.Signals) => { t.expectedExit = true; return target.kill(signal); };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return t;
}
