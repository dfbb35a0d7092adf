import { describe, expect, it } from 'vitest';
import { backoffDelay, RestartBreaker } from '../../harness/supervisor/backoff.ts';
import { resolveSupervisorOptions } from '../../harness/supervisor/options.ts';
import { TailBuffer } from '../../harness/supervisor/stderr-tail.ts';
import { checkResponse, embedderError } from '../../harness/supervisor/pending.ts';
import type { SupervisorOptions } from '../../harness/supervisor/types.ts';
import type { GauntletError } from '../../harness/util/errors.ts';

const policy = { maxRestarts: 3, windowMs: 1_000, backoffBaseMs: 100, backoffMaxMs: 1_000, jitter: 0 };

describe('backoffDelay', () => {
  it.each([
    [1, 100], [2, 200], [3, 400], [4, 800], [5, 1_000], [50, 1_000],
  ])('failure %i without jitter waits %i ms', (failures, expected) => {
    expect(backoffDelay(policy, failures, () => 0.5)).toBe(expected);
  });

  it('spreads by the jitter fraction around the doubled delay, and stays within [0, max]', () => {
    const p = { ...policy, jitter: 0.5 };
    expect(backoffDelay(p, 2, () => 0)).toBe(100);
    expect(backoffDelay(p, 2, () => 0.999999)).toBe(300);
    expect(backoffDelay(p, 5, () => 0.999999)).toBe(1_000);
    let seed = 1;
    const rng = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 1; i < 200; i++) {
      const d = backoffDelay(p, (i % 7) + 1, rng);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('RestartBreaker', () => {
  it('trips after maxRestarts inside the window and forgets restarts older than the window', () => {
    const b = new RestartBreaker(policy);
    for (const t of [0, 100, 200]) {
      expect(b.tripped(t)).toBe(false);
      b.record(t);
    }
    expect(b.tripped(300)).toBe(true);
    expect(b.inWindow(300)).toBe(3);
    expect(b.tripped(1_050)).toBe(false); // the restart at 0 left the window
    expect(b.inWindow(1_050)).toBe(2);
  });

  it('with maxRestarts 0 never allows a restart', () => {
    expect(new RestartBreaker({ maxRestarts: 0, windowMs: 10 }).tripped(0)).toBe(true);
  });
});

describe('TailBuffer', () => {
  it('keeps only the last maxBytes', () => {
    const t = new TailBuffer(10);
    t.push('0123456789');
    t.push('abcdef');
    expect(t.text()).toBe('6789abcdef');
    for (let i = 0; i < 1_000; i++) t.push(Buffer.from(`line ${i}\n`));
    expect(t.text().length).toBe(10);
    expect(t.text().endsWith('line 999\n')).toBe(true);
  });
});

describe('resolveSupervisorOptions', () => {
  const base: SupervisorOptions = { command: ['node', 'x.js'], transport: 'stdio', codec: 'msgpack', modelPath: '/m.gguf' };

  it('fills defaults', () => {
    const o = resolveSupervisorOptions(base);
    expect(o.requestTimeoutMs).toBe(30_000);
    expect(o.limits).toEqual({ maxFrameBytes: 65_536, maxBatch: 10, requestTimeoutMs: 30_000 });
    expect(o.restart.maxRestarts).toBe(5);
    expect(o.shutdownGraceMs).toBe(2_000);
  });

  it.each([
    [{ command: 'embed' }, /supervisor\.command: .*got "embed" \(string\)/],
    [{ command: [] }, /supervisor\.command: .*got \[\] \(array\)/],
    [{ transport: 'tcp' }, /supervisor\.transport: .*got "tcp"/],
    [{ restart: { jitter: 2 } }, /supervisor\.restart\.jitter: .*got 2 \(number\)/],
    [{ restart: { backoffBaseMs: 500, backoffMaxMs: 100 } }, /backoffMaxMs: expected >= backoffBaseMs \(500\), got 100/],
    [{ requestTimeoutMs: -1 }, /supervisor\.requestTimeoutMs: .*got -1/],
  ])('rejects %j, quoting the bad value', (bad, message) => {
    expect(() => resolveSupervisorOptions({ ...base, ...bad } as never)).toThrow(message);
  });
});

describe('answer checks', () => {
  it('maps error answers to typed codes and wrong answer types to GAUNTLET_PROTOCOL', () => {
    const err = (code: 'overloaded' | 'model-invalid' | 'too-many-tokens', retryable = false) => ({ v: 1 as const, id: 4, type: 'error' as const, code, message: 'm', retryable });
    expect(embedderError({ type: 'embed', text: 'x' }, err('overloaded', true)).code).toBe('GAUNTLET_OVERLOADED');
    expect(embedderError({ type: 'initialize', modelPath: '/m' }, err('model-invalid')).code).toBe('GAUNTLET_MODEL_INVALID');
    const tokens = embedderError({ type: 'embed', text: 'x' }, err('too-many-tokens'));
    expect(tokens.code).toBe('GAUNTLET_EMBEDDER_ERROR');
    expect(tokens.details).toMatchObject({ embedderCode: 'too-many-tokens', retryable: false, id: 4 });
    const wrong = checkResponse({ type: 'embed', text: 'x' }, { v: 1, id: 4, type: 'pong' });
    expect((wrong as GauntletError).code).toBe('GAUNTLET_PROTOCOL');
    expect(checkResponse({ type: 'ping' }, { v: 1, id: 4, type: 'pong' })).toBeUndefined();
  });
});
