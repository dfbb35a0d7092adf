/**
 * The scenario config CI runs (`npx gauntlet run --quick --config ci/scenarios.config.ts`): the five default
 * adapters on the generated tiny model, with the file reporters a CI job uploads and a console progress line.
 * In your own repository, add your embedder under `adapters` (docs/adapters.md) and keep the reporters.
 */
import { defaultAdapters, defineConfig } from 'gauntlet';

export default defineConfig({
  model: { preset: 'tiny', seed: 1, dtype: 'f32' },
  adapters: { ...defaultAdapters() },
  lanes: 1,
  threads: 1,
  seed: 1,
  reporters: ['console', 'json', 'junit', 'markdown', 'html'],
  claims: {},
  // The benchmark suite after the scenarios (quick sizes with --quick: about 30 s): the bench claims get verdicts
  // and report.html a Benchmarks section. Bench claims are advisory, so noisy figures never fail the job.
  bench: 'on',
});
