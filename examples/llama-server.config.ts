/**
 * llama.cpp's own OpenAI-compatible server, started by the harness for each host and stopped with it.
 * `npx gauntlet engines build llama-server` builds it from the llama.cpp source node-llama-cpp ships (CPU only,
 * cached in ~/.cache/gauntlet/engines); a llama-server on PATH is used first.
 * `{model}` is the run's model (the synthetic tiny BERT GGUF by default, or `model: '/path/to/file.gguf'`), `{port}`
 * a free loopback port the harness picks before every start (`freePort`: hosts of parallel runs never collide),
 * `{threads}` and `{lanes}` the run's. llama-server answers GET /health with 503 while it loads and 200 once ready,
 * which is what the adapter polls.
 *
 *   npx gauntlet run --config examples/llama-server.config.ts --adapter llama-server --quick
 */
import { defineConfig, findEngine } from 'gauntlet';

export default defineConfig({
  adapters: {
    'llama-server': {
      kind: 'http',
      command: [findEngine('llama-server'), '--embeddings', '--pooling', 'mean', '-m', '{model}', '--host', '127.0.0.1', '--port', '{port}',
        '--threads', '{threads}', '--parallel', '{lanes}', '--no-webui'],
      freePort: true,
      readyTimeoutMs: 60_000,
      description: 'llama.cpp llama-server --embeddings (built by gauntlet engines build, or on PATH)',
    },
  },
  defaultAdapters: ['llama-server', 'reference'],
});
