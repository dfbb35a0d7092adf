/** Process lifecycle of the reference embedder: exit paths, parent-death and stdin watches, signals. */
import fs from 'node:fs';

export interface Lifecycle {
  /** Exits once (the first call wins), logging why. */
  exit(code: number, why: string): never | void;
  readonly exiting: boolean;
}

export function createLifecycle(log: (line: string) => void): Lifecycle {
  let exiting = false;
  return {
    exit(code, why) {
      if (exiting) return;
      exiting = true;
      log(`exiting with code ${code}: ${why}`);
      process.exit(code);
    },
    get exiting() { return exiting; },
  };
}

/** Calls onDeath within ~intervalMs (100 ms) once the parent process is gone (the ppid changes to a reaper). */
export function watchParent(onDeath: () => void, intervalMs = 100): void {
  const original = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== original) {
      clearInterval(timer);
      onDeath();
    }
  }, intervalMs);
  timer.unref();
}

/** True when stdin is a pipe or socket (so its end means the parent let go), false for a TTY or /dev/null. */
export function stdinIsPipe(): boolean {
  try {
    const st = fs.fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}
