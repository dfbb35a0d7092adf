/**
 * Never leave an embedder behind: every live child pid is SIGKILLed synchronously when this process exits.
 * (execa's `cleanup` covers signals through signal-exit; this covers process.exit() and a normal end.)
 * A SIGKILL of this process runs no code at all: then the embedder must notice EOF on its stdin, which the
 * supervisor always keeps as a pipe for exactly that reason.
 */
const live = new Set<number>();
let installed = false;

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function guardPid(pid: number): void {
  if (!installed) {
    installed = true;
    process.on('exit', killAll);
  }
  live.add(pid);
}

export function releasePid(pid: number): void {
  live.delete(pid);
}

/** Pids currently guarded (for tests and diagnostics). */
export function guardedPids(): number[] {
  return [...live];
}
