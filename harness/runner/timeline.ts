import type { TimelineEvent } from '../report/schema.ts';
import type { ScenarioTimeline } from './types.ts';

/** A scenario's timeline: t is ms since `origin` (performance.now() at scenario start). */
export function createTimeline(origin = performance.now()): ScenarioTimeline & { readonly originEpoch: number; fromEpoch(at: number): number } {
  const events: TimelineEvent[] = [];
  const originEpoch = Date.now() - (performance.now() - origin);
  const now = () => Math.round((performance.now() - origin) * 1000) / 1000;
  return {
    events,
    originEpoch,
    now,
    /** Converts an epoch ms stamp (e.g. a lifecycle event's `at`) to timeline ms. */
    fromEpoch: (at: number) => Math.max(0, at - originEpoch),
    add(kind, label, details) {
      const e: TimelineEvent = { t: now(), kind, label, ...(details ? { details } : {}) };
      events.push(e);
      return e;
    },
  };
}
