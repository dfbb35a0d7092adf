/** Restart pacing: exponential backoff with jitter, and a max-restarts-per-window circuit breaker. Pure logic. */
import type { RestartPolicy } from './types.ts';

/**
 * Delay before restart number `failures` (1 = first consecutive failure): base * 2^(failures-1), spread by
 * `jitter` around that value, capped at backoffMaxMs. `random` returns [0, 1).
 */
export function backoffDelay(policy: RestartPolicy, failures: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const raw = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exponent);
  const spread = raw * policy.jitter * (2 * random() - 1);
  return Math.round(Math.max(0, Math.min(policy.backoffMaxMs, raw + spread)));
}

/** Counts restarts in a sliding window; `tripped` once one more restart would exceed maxRestarts. */
export class RestartBreaker {
  private readonly times: number[] = [];
  constructor(private readonly policy: Pick<RestartPolicy, 'maxRestarts' | 'windowMs'>) {}

  /** Restarts inside the window ending at `now`. */
  inWindow(now: number): number {
    const from = now - this.policy.windowMs;
    while (this.times.length > 0 && this.times[0]! <= from) this.times.shift();
    return this.times.length;
  }

  /** True when no more restarts are allowed at `now`. */
  tripped(now: number): boolean {
    return this.inWindow(now) >= this.policy.maxRestarts;
  }

  record(now: number): void {
    this.times.push(now);
  }
}
