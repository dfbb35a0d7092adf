/** Records what happened during a scenario (faults, spawns, crashes, restarts) with t relative to its start. */
import { performance } from 'node:perf_hooks';
import type { TimelineEvent } from '../report/schema.ts';

export class Timeline {
  /** Wall-clock start, ms since the epoch (for reports). */
  readonly startedAt: number;
  private readonly t0: number;
  private readonly list: TimelineEvent[] = [];
  private readonly listeners = new Set<(e: TimelineEvent) => void>();

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = Date.now();
    this.t0 = now();
  }

  /** ms since the timeline started. */
  elapsed(): number {
    return this.now() - this.t0;
  }

  add(kind: TimelineEvent['kind'], label: string, details?: Record<string, unknown>): TimelineEvent {
    const event: TimelineEvent = { t: Math.round(this.elapsed() * 1000) / 1000, kind, label, ...(details ? { details } : {}) };
    this.list.push(event);
    for (const l of this.listeners) l(event);
    return event;
  }

  /** Calls `listener` for every event added from now on; returns a function that unsubscribes. */
  onEvent(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  events(kind?: TimelineEvent['kind']): TimelineEvent[] {
    return kind ? this.list.filter((e) => e.kind === kind) : this.list.slice();
  }

  first(kind: TimelineEvent['kind']): TimelineEvent | undefined {
    return this.list.find((e) => e.kind === kind);
  }

  /** ms between the first event of kind `from` and the first later event of kind `to`; undefined if either is missing. */
  between(from: TimelineEvent['kind'], to: TimelineEvent['kind']): number | undefined {
    const a = this.first(from);
    if (!a) return undefined;
    const b = this.list.find((e) => e.kind === to && e.t >= a.t && e !== a);
    return b ? b.t - a.t : undefined;
  }

  toJSON(): TimelineEvent[] {
    return this.list.slice();
  }
}
