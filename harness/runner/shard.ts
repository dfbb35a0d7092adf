/** Deterministic split of the scenario x adapter list across CI shards. */
import { usageError } from '../util/errors.ts';

export interface Shard { index: number; count: number }

/** Parses "i/n" (1-based i, 1 <= i <= n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw usageError(`--shard: expected i/n with 1 <= i <= n (e.g. 1/3), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/**
 * The items of shard i/n: round-robin over the list in its given (deterministic) order, so that shards get
 * near-equal counts and every item lands in exactly one shard.
 */
export function shardItems<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (!shard || shard.count === 1) return items.slice();
  return items.filter((_, i) => i % shard.count === shard.index - 1);
}
