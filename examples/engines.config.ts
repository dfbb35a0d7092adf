/**
 * Engines side by side on the same synthetic model, judged by the same oracle:
 *
 * - reference: gauntlet's embedder (node-llama-cpp), stdio + MessagePack;
 * - llama-server: llama.cpp's own server (npx gauntlet engines build llama-server, or on PATH);
 * - transformers-js: the reference embedder's protocol side with the onnx engine (`--engine onnx`):
 *   transformers.js's feature-extraction pipeline on onnxruntime-node, CPU, local files only, in its own process;
 * - transformers-js-in-process: the same engine inside the host (seed 003's situation), a comparison.
 *
 * The ONNX engines take the run's GGUF and export it on first use (`gauntlet gguf export-onnx`) into
 * ~/.cache/gauntlet/onnx/<sha256 prefix of the GGUF> ($GAUNTLET_CACHE/onnx/...), reused after. transformers.js is not
 * a dependency of gauntlet (it adds ~475 MB); it is installed once into ~/.cache/gauntlet/engines/transformers-js:
 *
 *   npx gauntlet engines build transformers-js
 *   npx gauntlet embed --config examples/engines.config.ts --adapter transformers-js --json "hello world"
 *   npx gauntlet run --config examples/engines.config.ts --adapter transformers-js --quick
 */
import { defineConfig, findEngine, referenceCommand } from 'gauntlet';

export default defineConfig({
  adapters: {
    'llama-server': {
      kind: 'http',
      // no --pooling: llama-server pools as the model declares (<arch>.pooling_type: mean, cls or last), as the oracle does
      command: [findEngine('llama-server'), '--embeddings', '-m', '{model}', '--host', '127.0.0.1', '--port', '{port}',
        '--threads', '{threads}', '--parallel', '{lanes}', '--no-webui'],
      freePort: true,
      readyTimeoutMs: 60_000,
      description: 'llama.cpp llama-server --embeddings (built by gauntlet engines build, or on PATH)',
    },
    'transformers-js': {
      kind: 'process',
      transport: 'stdio',
      codec: 'msgpack',
      command: referenceCommand('--engine', 'onnx', '--transport', 'stdio', '--codec', 'msgpack'),
      description: 'transformers.js (onnxruntime-node, CPU) behind the reference embedder\'s protocol, stdio + MessagePack',
    },
    'transformers-js-in-process': {
      kind: 'in-process',
      engine: 'onnx',
      comparison: true,
      description: 'transformers.js (onnxruntime-node, CPU) inside the host process',
    },
  },
  defaultAdapters: ['reference', 'llama-server', 'transformers-js', 'transformers-js-in-process'],
});
