/**
 * The default gauntlet config: the five adapters every run knows, the synthetic tiny model, the seeds' limits.
 * Copy it and add your own embedder under `adapters` (see docs/adapters.md).
 */
import { defineConfig } from './harness/config/define-config.ts';
import { defaultAdapters } from './harness/config/defaults.ts';

export default defineConfig({
  // A synthetic BERT model generated on first use into .cache/models/ (or $GAUNTLET_CACHE) and reused after.
  model: { preset: 'tiny', seed: 1, dtype: 'f32' },
  // reference (stdio + msgpack), reference-uds, reference-ndjson, reference-http, in-process.
  adapters: {
    ...defaultAdapters(),
    // Example of an external OpenAI-compatible server (llama.cpp `llama-server --embeddings`):
    // 'llama-server': { kind: 'http', baseUrl: 'http://127.0.0.1:8080' },
  },
  limits: { maxFrameBytes: 64 * 1024, maxBatch: 10, requestTimeoutMs: 30_000, startTimeoutMs: 15_000 },
  lanes: 1,
  threads: 1,
  seed: 1,
  reporters: ['console', 'json', 'junit', 'markdown', 'html'],
  claims: {},
  // Benchmarks after the scenarios (`gauntlet bench`'s suite; quick sizes with --quick, about 30 s): 'quick', 'full',
  // 'on' or 'off'. Their claims are advisory: they never fail a run.
  bench: 'on',
});
