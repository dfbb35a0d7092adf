/** pipe-disconnect through the runner, reference adapter (stdio through the relay and the fault proxy), quick size. */
import { describe, expect, it } from 'vitest';
import pipeDisconnect from '../../scenarios/pipe-disconnect.ts';
import { runCompleted } from './corrupt-gguf-run.ts';

describe('pipe-disconnect scenario', () => {
  it('reference: every broken or garbled stream is followed by a correct embedding; the host survives', async () => {
    const r = await runCompleted(pipeDisconnect, 'reference');
    const m = r.metrics;
    expect(m['pipeDisconnect.trials']).toBe(8);
    expect(m['pipeDisconnect.recoveredRatio']).toBe(1);
    expect(m['pipeDisconnect.untypedErrors']).toBe(0);
    expect(m['pipeDisconnect.wrongVectors']).toBe(0);
    expect(m['limits.embedderCrashes']).toBe(0);
    expect(m['host.crashes']).toBe(0);
    const toxics = r.timeline.filter((e) => e.kind === 'fault').map((e) => e.details as { kind: string; tookEffect: boolean });
    expect(toxics.filter((t) => t.kind === 'proxy-toxic').length).toBe(5);
    expect(toxics.filter((t) => t.kind === 'close-connection').length).toBe(3);
    expect(toxics.every((t) => t.tookEffect)).toBe(true);
  }, 200_000);

  it('does not apply to in-process or http adapters', async () => {
    expect(pipeDisconnect.appliesTo!({ config: { kind: 'in-process' } } as never)).toMatch(/in-process/);
    expect(pipeDisconnect.appliesTo!({ config: { kind: 'http' } } as never)).toMatch(/http/);
  });
});
