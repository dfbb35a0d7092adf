/** bad-input through the runner: every bad request refused and the embedder stays up; one that dies on bad input is caught. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/bad-input.ts';
import { invalidUtf8Frame, RAW_ID } from '../../scenarios/support/bad-input-raw.ts';
import { num, runWith } from './throughput-run.ts';

const DIES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'bad-input-dies-on-empty.mjs');

describe('bad-input scenario', () => {
  it('reference: every bad input refused, no vector for any, the next request always correct', async () => {
    const r = await runWith(scenario, 'reference');
    expect(r.status).toBe('completed');
    expect(num(r, 'badInput.accepted')).toBe(0);
    expect(num(r, 'badInput.refused')).toBe(8); // 7 cases + raw invalid UTF-8
    expect(num(r, 'badInput.notRecovered')).toBe(0);
    expect(num(r, 'limits.batch.acceptedTexts.max')).toBe(10);
    expect(num(r, 'limits.frame.acceptedBytes.max')).toBeLessThanOrEqual(64 * 1024);
    expect(num(r, 'limits.frame.sentBytes.max')).toBeGreaterThan(10 * 64 * 4);
    expect(r.notes.join('\n')).toMatch(/invalid UTF-8: answered "error"/);
    // Known: the supervisor kills the embedder when the host-side codec refuses an over-limit frame. Any death
    // other than that one is a regression.
    const deaths = r.errors.filter((e) => e.code === 'EMBEDDER_DIED');
    for (const d of deaths) expect(d.message).toMatch(/frame limit.*connection-closed/);
    expect(r.errors.filter((e) => e.code !== 'EMBEDDER_DIED')).toEqual([]);
  }, 60_000);

  it('an embedder that dies on an empty text is caught (crash counted, recovery checked)', async () => {
    const r = await runWith(scenario, 'reference-ndjson', { command: (argv) => [process.execPath, DIES, ...argv] });
    expect(num(r, 'limits.embedderCrashes')).toBeGreaterThanOrEqual(1);
    expect(r.errors.some((e) => e.code === 'EMBEDDER_DIED' && e.message.startsWith('empty text'))).toBe(true);
  }, 60_000);

  it('in-process: accepted bad inputs are reported, not hidden', async () => {
    const r = await runWith(scenario, 'in-process');
    expect(num(r, 'badInput.accepted')).toBeGreaterThan(0);
    expect(r.errors.some((e) => e.code === 'ACCEPTED_BAD_INPUT' && e.message.startsWith('empty text'))).toBe(true);
    expect(r.metrics['limits.frame.acceptedBytes.max']).toBeNull();
  }, 60_000);

  it('invalidUtf8Frame: a length-prefixed msgpack map and an ndjson line carrying 0xff 0xfe', () => {
    const m = invalidUtf8Frame('msgpack');
    expect(m.readUInt32BE(0)).toBe(m.length - 4);
    expect(m.includes(Buffer.from([0xff, 0xfe]))).toBe(true);
    const n = invalidUtf8Frame('ndjson');
    expect(n.at(-1)).toBe(0x0a);
    expect(n.includes(Buffer.from(`"id":${RAW_ID}`))).toBe(true);
    expect(n.includes(Buffer.from([0xff, 0xfe]))).toBe(true);
  });
});
