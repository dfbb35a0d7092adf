/** Delivers lifecycle events to listeners, stamped with Date.now() and performance.now(). A throwing listener
 * cannot break the supervisor: its error becomes a process warning. */
import type { LifecycleEvent, LifecycleListener, LifecycleType } from './types.ts';

export class LifecycleEmitter {
  private readonly listeners = new Set<LifecycleListener>();

  on(listener: LifecycleListener): void {
    this.listeners.add(listener);
  }
  off(listener: LifecycleListener): void {
    this.listeners.delete(listener);
  }

  emit(type: LifecycleType, details: Record<string, unknown>, pid: number | undefined): LifecycleEvent {
    const event = { type, at: Date.now(), hr: performance.now(), pid, ...details } as LifecycleEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        process.emitWarning(`a supervisor lifecycle listener threw on "${type}": ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return event;
  }
}
