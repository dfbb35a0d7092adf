/**
 * no-request-lost through the runner, real host and reference embedder: with drop-every the scenario completes,
 * requests.lost counts the dropped requests and each is named (scenario, request index, time); the clean embedder
 * passes. A scenario stopped by a lost request completes with the loss as its finding; a scenario that throws for
 * any other reason is still a harness error.
 */
import { describe, expect, it } from 'vitest';
import latency from '../../scenarios/latency.ts';
import { CLAIMS } from '../../harness/claims/catalogue.ts';
import { evaluateOne } from '../../harness/claims/evaluate.ts';
import { resolveClaim } from '../../harness/claims/resolve.ts';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { num, runWith } from './throughput-run.ts';

function verdict(r: ScenarioResult): string {
  const claim = resolveClaim(CLAIMS.find((c) => c.id === 'no-request-lost')!);
  return evaluateOne(claim, [r], { name: r.adapter, kind: 'process' }).verdict;
}

// A short scenario limit: requests without a deadline of their own get a quarter of the time left (about 4 s here).
const shortLatency = { ...latency, timeoutMs: 16_000 };
const sizes = { warmup: 2, single: 40, batches: 2 };

/** Three embeds in a row with no catch: the second one is lost under drop-every=2. */
const strict = defineScenario({
  id: 'strict-embeds', title: 'three embeds, no error handling', claims: ['no-request-lost'],
  quick: { fail: false }, full: { fail: false }, timeoutMs: 12_000,
  async run(ctx) {
    const host = await ctx.startHost();
    for (let i = 0; i < 3; i++) await host.embed(`strict ${i}`, { signal: ctx.signal });
    if (ctx.sizes.fail) throw new Error('a fault of the scenario itself');
    ctx.metric('strict.done', 1);
  },
});

describe('no-request-lost', () => {
  it('drop-every=30: latency completes, 1 request lost and named, the claim fails; the other figures come from the rest', async () => {
    const r = await runWith(shortLatency, 'reference', { faults: 'drop-every=30', quick: sizes });
    expect(r.status, JSON.stringify(r.errors)).toBe('completed');
    expect(num(r, 'requests.sent')).toBe(44);
    expect(num(r, 'requests.lost')).toBe(1);
    expect(num(r, 'requests.late')).toBe(0);
    expect(num(r, 'embed.latency.count')).toBe(39);
    const lost = r.errors.filter((e) => e.code === 'GAUNTLET_REQUEST_LOST');
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toMatch(/^latency: embed request #30 sent at [\d.]+ s to host pid \d+ had no answer within its \d+ ms deadline while the embedder was up/);
    expect(r.notes.some((n) => /44 sent, 43 answered, 0 failed with a typed error, 1 lost/.test(n))).toBe(true);
    expect(verdict(r)).toBe('fail');
  }, 60_000);

  it('clean reference: every request answered, the claim passes', async () => {
    const r = await runWith(shortLatency, 'reference', { quick: sizes });
    expect(r.status).toBe('completed');
    expect(num(r, 'requests.sent')).toBe(44);
    expect(num(r, 'requests.answered')).toBe(44);
    expect(num(r, 'requests.lost')).toBe(0);
    expect(verdict(r)).toBe('pass');
  }, 60_000);

  it('a scenario stopped by a lost request completes with the loss as its finding, not as a harness error', async () => {
    const r = await runWith(strict, 'reference', { faults: 'drop-every=2' });
    expect(r.status).toBe('completed');
    expect(r.metrics['strict.done']).toBeUndefined();
    expect(num(r, 'requests.lost')).toBe(1);
    expect(r.errors.map((e) => e.code)).toContain('GAUNTLET_REQUEST_LOST');
    expect(r.errors.some((e) => /stopped at embed request #2, which the embedder never answered/.test(e.message))).toBe(true);
    expect(verdict(r)).toBe('fail');
  }, 60_000);

  it('a scenario that throws for its own reasons is still a harness error', async () => {
    const r = await runWith(strict, 'reference', { quick: { fail: true } });
    expect(r.status).toBe('harness-error');
    expect(num(r, 'requests.lost')).toBe(0);
  }, 60_000);
});
