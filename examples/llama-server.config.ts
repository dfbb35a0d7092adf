/**
 * llama.cpp's OpenAI-compatible server, started by the harness for each host and stopped with it.
 * `{model}` is the run's model (the synthetic tiny BERT GGUF by default, or `model: '/path/to/file.gguf'`), `{port}`
 * the port of baseUrl, `{threads}` the run's threads. llama-server answers GET /health with 503 while it loads and
 * 200 once ready, which is what the adapter polls (readyUrl defaults to `${baseUrl}/health`).
 *
 *   npx gauntlet run --config examples/llama-server.config.ts --adapter llama-server --quick
 */
import { defineConfig } from 'gauntlet';

export default defineConfig({
  adapters: {
    'llama-server': {
      kind: 'http',
      command: ['llama-server', '--embeddings', '--pooling', 'mean', '-m', '{model}', '--host', '127.0.0.1', '--port', '{port}', '--threads', '{threads}', '--parallel', '{lanes}'],
      // A fixed port: llama-server does not print gauntlet's {"ready":true,"port":N} line, so port 0 cannot work.
      baseUrl: 'http://127.0.0.1:18080',
      readyTimeoutMs: 60_000,
      description: 'llama.cpp llama-server --embeddings',
    },
  },
  defaultAdapters: ['llama-server', 'reference'],
});
