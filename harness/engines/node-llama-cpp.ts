/**
 * node-llama-cpp is an optional peer dependency: gauntlet's own reference embedder, the in-process adapter, the
 * isolation benchmarks and the llama.cpp probes need it; a user who tests only their own engine does not, and it
 * weighs ~780 MB of node_modules on Linux x64 (prebuilt binaries for CUDA, Vulkan and ARM beside the CPU one).
 * Without it the reference adapters are left out of the defaults, and whatever needs them says so with the one
 * command that adds them (REFERENCE_INSTALL). This repository lists it in devDependencies, so a checkout has it.
 *
 * GAUNTLET_NODE_LLAMA_CPP=off makes an installed one count as absent (as GAUNTLET_SHM=off does for the shm addon).
 */
import { GauntletError } from '../util/errors.ts';
import { dependencyManifest } from '../util/ts-runner.ts';

/** The command that adds the reference embedder to a project that installed gauntlet. */
export const REFERENCE_INSTALL = 'npm install -D node-llama-cpp';

/** The built-in adapters that run node-llama-cpp (the reference embedder over every transport, and in-process). */
export const REFERENCE_ADAPTERS = [
  'reference', 'reference-uds', 'reference-ndjson', 'reference-http', 'in-process', 'reference-standby', 'reference-shm',
] as const;

let found: { version: string } | null | undefined;

/** node-llama-cpp as gauntlet resolves it (the project's, wherever npm put it), or null when it is not installed. */
export function nodeLlamaCpp(): { version: string } | null {
  if (process.env.GAUNTLET_NODE_LLAMA_CPP === 'off') return null;
  if (found === undefined) {
    const version = dependencyManifest('node-llama-cpp')?.version;
    found = typeof version === 'string' ? { version } : null;
  }
  return found;
}

/** Why `what` cannot run here, and the fix; `what` e.g. "the reference embedder". */
export function nodeLlamaCppMissing(what: string): string {
  const off = process.env.GAUNTLET_NODE_LLAMA_CPP === 'off';
  return `${what} needs node-llama-cpp, an optional peer dependency of gauntlet that is ${off ? 'turned off here (GAUNTLET_NODE_LLAMA_CPP=off)' : 'not installed'}; add it with: ${REFERENCE_INSTALL}`;
}

/** Whether a reason (a skipped bench section's, say) is nodeLlamaCppMissing()'s. */
export function isNodeLlamaCppMissing(reason: string): boolean {
  return reason.includes('needs node-llama-cpp, an optional peer dependency of gauntlet');
}

/** Throws GAUNTLET_USAGE with nodeLlamaCppMissing(what) when node-llama-cpp is absent. */
export function requireNodeLlamaCpp(what: string): void {
  if (!nodeLlamaCpp()) throw new GauntletError('GAUNTLET_USAGE', nodeLlamaCppMissing(what));
}

/** Why adapter `name` is not there when it is a reference one left out for want of node-llama-cpp, else undefined. */
export function referenceAbsent(name: string, known: readonly string[]): string | undefined {
  if (!(REFERENCE_ADAPTERS as readonly string[]).includes(name) || nodeLlamaCpp()) return undefined;
  return `adapter ${JSON.stringify(name)} is not available: ${nodeLlamaCppMissing('it')}; known adapters now: ${known.join(', ') || '(none)'}`;
}

/** "unknown adapter" message; names the fix when the adapter is a reference one left out for want of node-llama-cpp. */
export function unknownAdapterMessage(name: string, known: readonly string[]): string {
  return referenceAbsent(name, known) ?? `unknown adapter ${JSON.stringify(name)}; known adapters: ${known.join(', ')}`;
}
