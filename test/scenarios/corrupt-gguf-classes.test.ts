/**
 * corrupt-gguf judges by the catalogue's class: an engine-specific file (llama.cpp aborts on it) that an embedder on
 * another engine loads and embeds correctly passes; one that loads with a wrong vector (the Python skeleton's hash
 * vectors) counts against; a must-refuse file that loads counts against even with a right vector.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/corrupt-gguf.ts';
import { corruptionClass, CORRUPTIONS } from '../../harness/gguf/corrupt.ts';
import { judge } from '../../scenarios/support/corrupt-gguf-catalogue.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { adapterFor, num } from './throughput-run.ts';

/** corrupt-gguf at quick size on the reference adapter's settings with another command, over stdio + NDJSON. */
async function runOn(command: string[], quick: Record<string, unknown>): Promise<ScenarioResult> {
  const base = await adapterFor('reference');
  const adapter = { ...base, config: { ...base.config, command, transport: 'stdio', codec: 'ndjson' } as typeof base.config };
  const { report } = await runGauntlet({
    scenarios: [{ ...scenario, quick: { ...scenario.quick, ...quick } }], adapters: [adapter], seed: 5, quick: true,
    command: 'vitest', model: { path: adapter.model }, evaluate: () => [],
  });
  return report.scenarios[0]!;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const ORACLE_EMBEDDER = path.join(here, 'fixtures', 'oracle-embedder.ts');
const PYTHON = path.join(here, '..', '..', 'examples', 'python-sidecar', 'embedder.py');

function notes(r: { notes: string[] }, id: string): string {
  return r.notes.filter((n) => n.startsWith(`${id} (`)).join(' | ');
}

describe('corruption classes', () => {
  it('every engine-specific variant names the engine and what it does; the others are must-refuse or valid', () => {
    const specific = CORRUPTIONS.filter((v) => corruptionClass(v) === 'engine-specific').map((v) => v.id);
    expect(specific.sort()).toEqual(['duplicate-token', 'last-tensor-f16', 'token-types-f16', 'version-2']);
    for (const v of CORRUPTIONS) {
      if (corruptionClass(v) === 'engine-specific') expect(v.harm?.engine).toBeTruthy();
      if (v.expect === 'accepted') expect(corruptionClass(v)).toBe('valid');
    }
  });

  it('judge: a load with the oracle\'s vector passes only for engine-specific files', () => {
    const v = (id: string) => CORRUPTIONS.find((x) => x.id === id)!;
    const loaded = { kind: 'loaded' as const, finite: true, dims: 3, vector: [1, 2, 3] };
    expect(judge(v('duplicate-token'), loaded, '/f', [1, 2, 3])).toBe('loaded-correct');
    expect(judge(v('duplicate-token'), loaded, '/f', [3, 2, -1])).toBe('loaded-silently');
    expect(judge(v('duplicate-token'), loaded, '/f', null)).toBe('loaded-silently');
    expect(judge(v('extra-tensor'), loaded, '/f', [1, 2, 3])).toBe('loaded-silently');
    expect(judge(v('pooling-cls'), loaded, '/f')).toBe('loaded');
  });

  it('an embedder on another engine: llama.cpp-only files loaded and embedded correctly pass; a must-refuse one it loads counts', async () => {
    const r = await runOn([process.execPath, '--import', 'tsx', ORACLE_EMBEDDER],
      { only: ['duplicate-token', 'token-types-f16', 'last-tensor-f16', 'bad-magic', 'extra-tensor'], hostChecks: 0 });
    console.log(r.notes.join('\n'));
    expect(r.status).toBe('completed');
    expect(num(r, 'corruptGguf.loadedCorrectly')).toBe(3);
    expect(num(r, 'corruptGguf.clearErrors')).toBe(1); // bad-magic
    expect(num(r, 'corruptGguf.unclearErrors')).toBe(1); // extra-tensor: must-refuse, loaded
    expect(notes(r, 'extra-tensor')).toMatch(/loaded-silently/);
  }, 120_000);

  it('the Python skeleton (hash vectors) loading a llama.cpp-only file counts against it', async () => {
    const r = await runOn(['python3', PYTHON], { only: ['duplicate-token', 'token-types-f16'], hostChecks: 0 });
    expect(num(r, 'corruptGguf.loadedCorrectly')).toBe(0);
    expect(num(r, 'corruptGguf.unclearErrors')).toBe(2);
    expect(notes(r, 'duplicate-token')).toMatch(/loaded-silently/);
  }, 120_000);
});
