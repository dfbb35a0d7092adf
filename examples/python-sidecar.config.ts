/**
 * A process speaking the gauntlet protocol (docs/protocol.md): the Python skeleton in python-sidecar/embedder.py,
 * over stdio with the NDJSON codec. The skeleton returns hash vectors, not a model's, so the correctness claim is
 * dropped here; keep it for a real embedder.
 *
 *   npx gauntlet embed --config examples/python-sidecar.config.ts --adapter python-sidecar "hello world"
 *   npx gauntlet run --config examples/python-sidecar.config.ts --quick
 */
import { defineConfig } from 'gauntlet';

export default defineConfig({
  adapters: {
    'python-sidecar': {
      kind: 'process',
      // {maxBatch} and {maxFrameBytes} come from `limits`; the model path arrives in the initialize message.
      // Run from this file's folder (a config's adapters are), so the script's path is relative to it.
      command: ['python3', 'python-sidecar/embedder.py', '--max-batch', '{maxBatch}', '--max-frame-bytes', '{maxFrameBytes}'],
      transport: 'stdio',
      codec: 'ndjson',
      description: 'Python protocol skeleton (hash vectors), stdio + NDJSON',
    },
  },
  // Run it next to the reference embedder, so the report compares the two.
  defaultAdapters: ['python-sidecar', 'reference'],
  claims: {
    'embeddings-match-reference': false,
  },
});
