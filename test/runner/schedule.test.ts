/** Start order with lanes: timing runs first in plan order, then overlap runs longest first; the durations file. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../harness/runner/define-scenario.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import { durationKey, readDurations, startOrder, writeDurations } from '../../harness/runner/schedule.ts';
import type { AnyScenario } from '../../harness/runner/types.ts';
import { FAKE_ADAPTER, startFakeHost } from './fake-host.ts';

const order: string[] = [];
const scenario = (id: string, overlap: boolean, ms = 0) => defineScenario({
  id, title: id, claims: [], quick: {}, full: {}, timeoutMs: 10_000, overlap,
  async run(ctx) {
    order.push(`${id}/${ctx.adapter.name}`);
    await new Promise((r) => setTimeout(r, ms));
    ctx.metric('x', 1);
  },
}) as AnyScenario;

const A = { name: 'a' }, B = { name: 'b' };

describe('startOrder', () => {
  const t1 = scenario('t1', false), o1 = scenario('o1', true), t2 = scenario('t2', false), o2 = scenario('o2', true);
  const plan = [{ scenario: t1, adapter: A }, { scenario: o1, adapter: A }, { scenario: o1, adapter: B }, { scenario: t2, adapter: A }, { scenario: o2, adapter: A }];

  it('one lane: the plan order, whatever the durations say', () => {
    expect(startOrder(plan, 1, true, new Map([[durationKey('o2', 'a', true), 99_000]]))).toEqual([0, 1, 2, 3, 4]);
  });

  it('lanes: timing runs first in plan order, then overlap runs longest first, never-timed ones before timed', () => {
    const d = new Map([[durationKey('o1', 'a', true), 1000], [durationKey('o1', 'b', true), 5000], [durationKey('o2', 'a', true), 3000]]);
    expect(startOrder(plan, 3, true, d)).toEqual([0, 3, 2, 4, 1]);
    // Only quick durations were recorded: a full run has none, so the overlap runs keep the plan's order.
    expect(startOrder(plan, 3, false, d)).toEqual([0, 3, 1, 2, 4]);
    // o1/a was never timed: it goes first, before the longest timed one (o1/b), then o2/a.
    const partial = new Map([[durationKey('o1', 'b', true), 5000], [durationKey('o2', 'a', true), 3000]]);
    expect(startOrder(plan, 2, true, partial)).toEqual([0, 3, 1, 2, 4]);
    const onlyShort = new Map([[durationKey('o1', 'a', true), 10]]);
    expect(startOrder(plan, 2, true, onlyShort)).toEqual([0, 3, 2, 4, 1]);
  });
});

describe('durations file', () => {
  it('merges runs, ignores junk, and a missing or corrupt file reads as empty', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-durations-'));
    const file = path.join(dir, 'sub', 'run-durations.json');
    expect(readDurations(file).size).toBe(0);
    writeDurations(file, new Map([['quick:a/x', 10.4], ['quick:b/x', 20]]));
    writeDurations(file, new Map([['quick:b/x', 30]]));
    expect([...readDurations(file)]).toEqual([['quick:a/x', 10], ['quick:b/x', 30]]);
    writeFileSync(file, '{"runs": {"quick:a/x": "soon", "quick:b/x": -1, "quick:c/x": 5}}');
    expect([...readDurations(file)]).toEqual([['quick:c/x', 5]]);
    writeFileSync(file, 'not json');
    expect(readDurations(file).size).toBe(0);
  });

  it('a run with lanes records its runs and starts the longest overlap run first next time; reports keep plan order', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-durations-'));
    const file = path.join(dir, 'run-durations.json');
    const scenarios = [scenario('short', true, 20), scenario('alone', false, 5), scenario('long', true, 250)];
    const run = () => runGauntlet({
      scenarios, adapters: [FAKE_ADAPTER], seed: 1, quick: true, command: 'test', model: { path: '/nonexistent.gguf' },
      evaluate: () => [], sweepGraceMs: 300, lanes: 2, durationsFile: file,
      deps: { startHost: () => startFakeHost(), loadOracle: () => Promise.reject(new Error('no oracle in tests')) },
    });
    order.length = 0;
    const first = await run();
    expect(order).toEqual(['alone/fake', 'short/fake', 'long/fake']);
    const recorded = JSON.parse(readFileSync(file, 'utf8')).runs as Record<string, number>;
    expect(recorded['quick:long/fake']).toBeGreaterThan(recorded['quick:short/fake']!);
    order.length = 0;
    const second = await run();
    expect(order).toEqual(['alone/fake', 'long/fake', 'short/fake']);
    for (const r of [first, second]) expect(r.report.scenarios.map((s) => s.scenario)).toEqual(['short', 'alone', 'long']);
  });
});
