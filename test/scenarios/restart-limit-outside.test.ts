/**
 * restart-limit-ends-in-clear-error is judgeable on an embedder we did not write: the Python skeleton ignores the
 * reference's abort-on-load switch, so restart-limit gives it a file that is not GGUF and a missing path; it refuses
 * both (model-invalid), which ends clearly. One that "loads" anything is caught.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/restart-limit.ts';
import { runGauntlet } from '../../harness/runner/run.ts';
import type { ScenarioResult } from '../../harness/report/schema.ts';
import { adapterFor } from './throughput-run.ts';

const PYTHON = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'python-sidecar', 'embedder.py');
/** The skeleton with a load_model that accepts any path. */
const LOADS_ANYTHING = `import runpy; m = runpy.run_path(${JSON.stringify(PYTHON)}, run_name='skeleton'); m['main'].__globals__['load_model'] = lambda p, o: {'path': p, 'normalize': False}; m['main']()`;

async function runOn(command: string[]): Promise<ScenarioResult> {
  const base = await adapterFor('reference');
  const adapter = { ...base, name: 'python-sidecar', config: { ...base.config, command, transport: 'stdio', codec: 'ndjson' } as typeof base.config };
  const { report } = await runGauntlet({
    scenarios: [scenario], adapters: [adapter], seed: 5, quick: true,
    command: 'vitest', model: { path: adapter.model }, evaluate: () => [],
  });
  return report.scenarios[0]!;
}

describe('restart-limit on an outside embedder', () => {
  it('the Python skeleton refuses an invalid file and a missing path: ended with a clear error', async () => {
    const r = await runOn(['python3', PYTHON]);
    console.log(r.notes.join('\n'), JSON.stringify(r.errors));
    expect(r.metrics['restartLimit.endedWithClearError']).toBe(1);
    expect(r.notes.some((n) => /broken embedder \(invalid-file\)/.test(n))).toBe(true);
    expect(r.notes.some((n) => /broken embedder \(missing-path\)/.test(n))).toBe(true);
  }, 120_000);

  it('an embedder that starts with any model path fails it', async () => {
    const r = await runOn(['python3', '-c', LOADS_ANYTHING]);
    expect(r.metrics['restartLimit.endedWithClearError']).toBe(0);
    expect(r.errors.filter((e) => e.code === 'BROKEN_MODEL_LOADED')).toHaveLength(2);
  }, 120_000);
});
