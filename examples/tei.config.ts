/**
 * Hugging Face text-embeddings-inference, started by the harness from a local binary (`text-embeddings-router`;
 * with Docker, run the container yourself and keep only baseUrl). TEI loads a Hugging Face model, not a GGUF file,
 * so the run's model is not passed and the correctness claim against the oracle is dropped.
 */
import { defineConfig } from 'gauntlet';

export default defineConfig({
  adapters: {
    tei: {
      kind: 'http',
      command: ['text-embeddings-router', '--model-id', 'BAAI/bge-small-en-v1.5', '--hostname', '127.0.0.1', '--port', '{port}'],
      baseUrl: 'http://127.0.0.1:18081',
      // TEI answers GET /health with 200 once the model is loaded (the default readyUrl).
      readyTimeoutMs: 300_000,
      modelName: 'BAAI/bge-small-en-v1.5',
      env: { HF_HUB_OFFLINE: '1' },
      description: 'text-embeddings-inference',
    },
  },
  defaultAdapters: ['tei'],
  claims: {
    'embeddings-match-reference': false,
  },
});
