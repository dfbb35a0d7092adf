/**
 * An Ollama server you run yourself (`ollama serve`, then `ollama pull nomic-embed-text`). The harness does not
 * start or stop it, knows no pid, and so cannot kill it, sample its memory or restart it: those claims are
 * not-applicable or inconclusive for this adapter. Ollama serves its own model, not the run's synthetic one, so
 * the correctness claim against the harness's oracle is dropped.
 */
import { defineConfig } from 'gauntlet';

export default defineConfig({
  adapters: {
    ollama: {
      kind: 'http',
      baseUrl: 'http://127.0.0.1:11434',
      // Ollama has no /health; GET /api/version answers 200 once the server is up.
      readyUrl: 'http://127.0.0.1:11434/api/version',
      modelName: 'nomic-embed-text',
      description: 'Ollama, OpenAI-compatible /v1/embeddings',
    },
  },
  defaultAdapters: ['ollama'],
  claims: {
    'embeddings-match-reference': false,
  },
});
