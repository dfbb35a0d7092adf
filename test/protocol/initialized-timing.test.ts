/** `initialized.timing` (start-up milestones) passes both codecs as numbers; anything else in it is dropped. */
import { describe, expect, it } from 'vitest';
import { getCodec } from '../../harness/protocol/codec.ts';
import { DEFAULT_LIMITS, type Message } from '../../harness/protocol/messages.ts';

const base = { v: 1, id: 3, type: 'initialized', dims: 64, vocabSize: 141, model: 'tiny' } as const;

describe.each(['msgpack', 'ndjson'] as const)('%s: initialized.timing', (name) => {
  const codec = getCodec(name);
  const decode = (m: unknown) => codec.createDecoder(DEFAULT_LIMITS).push(codec.encode(m as Message))[0]!;

  it('round-trips the milestones', () => {
    const timing = { startedAt: 1_780_000_000_123.5, mainMs: 410.2, runtimeMs: 880.9, loadedMs: 905.1 };
    expect(decode({ ...base, timing })).toMatchObject({ message: { ...base, timing } });
  });

  it('keeps numbers only, drops other fields and a timing that is not a map, and never refuses the answer', () => {
    expect(decode({ ...base, timing: { mainMs: 5, runtimeMs: 'soon', extra: 1 } })).toMatchObject({ message: { ...base, timing: { mainMs: 5 } } });
    const r = decode({ ...base, timing: [1, 2] }) as unknown as { message: Record<string, unknown> };
    expect(r.message).toEqual(base);
  });
});
