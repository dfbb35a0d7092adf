/** Every default of the config, in one place. */
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import type { AdapterConfig } from '../adapters/types.ts';
import { DEFAULT_LIMITS } from '../protocol/messages.ts';
import { nodeLlamaCpp } from '../engines/node-llama-cpp.ts';
import { shmLikelyAvailable } from '../transport/shm-native.ts';
import { nodeEntryArgs } from '../util/bundle.ts';
import type { LimitsConfig, ReporterEntry } from './types.ts';

/** argv that runs the reference embedder (its esbuild bundle, or the .ts source through tsx), followed by `args`. */
export function referenceCommand(...args: string[]): string[] {
  const limits = ['--max-batch', '{maxBatch}', '--max-frame-bytes', '{maxFrameBytes}'];
  return [process.execPath, ...nodeEntryArgs('reference-embedder/main.ts'), ...args, ...limits];
}

/**
 * The adapters every run knows: the reference embedder over each transport/codec, in-process, and with a warm standby.
 * All of them run node-llama-cpp, an optional peer dependency: where it is not installed there are none (a user's
 * config brings its own; harness/engines/node-llama-cpp.ts names the command that adds them).
 */
export function defaultAdapters(): Record<string, AdapterConfig> {
  if (!nodeLlamaCpp()) return {};
  return {
    reference: {
      kind: 'process',
      transport: 'stdio',
      codec: 'msgpack',
      command: referenceCommand('--transport', 'stdio', '--codec', 'msgpack'),
      description: 'reference embedder, stdio + MessagePack (the seeds\' recommended design)',
    },
    'reference-uds': {
      kind: 'process',
      transport: 'uds',
      codec: 'msgpack',
      command: referenceCommand('--transport', 'uds', '--codec', 'msgpack', '--socket', '{socket}'),
      description: 'reference embedder, Unix domain socket + MessagePack',
    },
    'reference-ndjson': {
      kind: 'process',
      transport: 'stdio',
      codec: 'ndjson',
      command: referenceCommand('--transport', 'stdio', '--codec', 'ndjson'),
      description: 'reference embedder, stdio + NDJSON',
    },
    'reference-http': {
      kind: 'http',
      command: referenceCommand('--transport', 'http', '--port', '{port}', '--model', '{model}', '--lanes', '{lanes}', '--threads', '{threads}'),
      // The server is supervised like the process adapters' embedders; exit 2 (bad arguments) and 4 (the model
      // could not be loaded) say a restart would give the same answer, as the stdio reference's non-retryable
      // `model-invalid` does, so they end the start at once instead of going through the restart breaker.
      supervisor: { terminalExitCodes: [2, 4] },
      // gauntlet's own server enforces the protocol's frame and batch limits over HTTP too (other servers need not).
      enforcesLimits: true,
      description: 'reference embedder as an OpenAI-compatible HTTP server',
    },
    'in-process': {
      kind: 'in-process',
      description: 'node-llama-cpp inside the host (the architecture the seeds reject; no gguf check on purpose)',
      // Kept to show what isolation buys: its failures are findings about that design, not a failed run.
      comparison: true,
    },
    'reference-standby': {
      kind: 'process',
      transport: 'stdio',
      codec: 'msgpack',
      command: referenceCommand('--transport', 'stdio', '--codec', 'msgpack'),
      // One warm spare: a crash is followed by a takeover, not a spawn, and the request the dead embedder had in
      // flight goes once more to the spare. The price is the spare's memory (the report shows its RSS).
      supervisor: { standby: 1, retryOnceAfterRestart: true },
      description: 'reference embedder, stdio + MessagePack, with one warm standby spare (supervisor standby: 1)',
    },
    // Seed 004's shared memory: only where the optional shm addon can be had (built on first use; GAUNTLET_SHM=off
    // leaves it out). Elsewhere the adapter is absent and the bench's shm rows say why.
    ...(shmLikelyAvailable().ok ? {
      'reference-shm': {
        kind: 'process',
        transport: 'uds',
        codec: 'msgpack',
        sharedMemory: true,
        command: referenceCommand('--transport', 'uds', '--codec', 'msgpack', '--shm', '--socket', '{socket}'),
        description: 'reference embedder, payloads through a /dev/shm ring, control over a Unix socket + MessagePack (seed 004)',
      } satisfies AdapterConfig,
    } : {}),
  };
}

export const DEFAULT_MODEL = { preset: 'tiny', seed: 1, dtype: 'f32', arch: 'bert' } as const;

export const DEFAULT_LIMITS_CONFIG: Required<LimitsConfig> = {
  maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
  maxBatch: DEFAULT_LIMITS.maxBatch,
  requestTimeoutMs: DEFAULT_LIMITS.requestTimeoutMs,
  startTimeoutMs: 15_000,
};

export const DEFAULTS = {
  lanes: 1,
  threads: 1,
  normalize: false,
  seed: 1,
  reporters: ['console', 'json', 'junit', 'markdown', 'html'] as ReporterEntry[],
  outDir: 'reports/latest',
  // `gauntlet bench --quick` takes about 26 s on a 2-core machine: cheap enough for every run to carry bench verdicts.
  bench: 'on',
} as const;

/**
 * Where generated models (and built engines) are cached: $GAUNTLET_CACHE, else $XDG_CACHE_HOME/gauntlet, else
 * ~/.cache/gauntlet. Never inside the package: an installed gauntlet may sit in a read-only node_modules, and one
 * cache serves every project and clone on the machine (CI caches this folder).
 */
export function defaultCacheDir(): string {
  if (process.env.GAUNTLET_CACHE) return path.resolve(process.env.GAUNTLET_CACHE);
  const base = process.env.XDG_CACHE_HOME ? path.resolve(process.env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'gauntlet');
}
