/**
 * The A/B check of `gauntlet compare` (issue 20): the default config with one adapter slowed on purpose, the
 * `reference` embedder started with `--fault slow-embed=1.5 --fault slow-start=300` (every embed takes 1.5x, every
 * start 300 ms more). Compare a run of gauntlet.config.ts (A) with a run of this one (B):
 *
 *   npx gauntlet run --quick --out reports/a
 *   npx gauntlet run --quick --config ci/slowed-reference.config.ts --out reports/b
 *   npx gauntlet compare reports/a reports/b      # exit 1: latency, throughput and restart regress on reference only
 *
 * The adapter keeps its name, so that compare pairs it with A's clean reference; the other adapters are unchanged.
 */
import { defaultAdapters, defineConfig } from 'gauntlet';
import base from '../gauntlet.config.ts';

const adapters = defaultAdapters();
const reference = adapters.reference!;
if (reference.kind !== 'process' || !reference.command) throw new Error('ci/slowed-reference.config.ts: the default reference adapter is expected to be a process adapter with a command');
reference.command = [...reference.command, '--fault', 'slow-embed=1.5', '--fault', 'slow-start=300'];
reference.description = `${reference.description ?? 'reference embedder'}, SLOWED on purpose: slow-embed=1.5, slow-start=300`;

export default defineConfig({ ...base, adapters });
