/** Builds the client for one resolved adapter. Each kind is imported lazily (in-process pulls in node-llama-cpp). */
import { requireNodeLlamaCpp } from '../engines/node-llama-cpp.ts';
import { GauntletError } from '../util/errors.ts';
import type { EmbedderClient, ResolvedAdapter } from './types.ts';

export async function createClient(resolved: ResolvedAdapter): Promise<EmbedderClient> {
  const kind = resolved.config.kind;
  switch (kind) {
    case 'process': {
      const { ProcessClient } = await import('./process.ts');
      return new ProcessClient(resolved);
    }
    case 'in-process': {
      if (resolved.config.engine === 'onnx') {
        const { InProcessOnnxClient } = await import('./in-process-onnx.ts');
        return new InProcessOnnxClient(resolved);
      }
      requireNodeLlamaCpp(`adapters.${resolved.name} (kind "in-process")`);
      const { InProcessClient } = await import('./in-process.ts');
      return new InProcessClient(resolved);
    }
    case 'http': {
      const { HttpClient } = await import('./http.ts');
      return new HttpClient(resolved);
    }
    default:
      throw new GauntletError(
        'GAUNTLET_CONFIG_INVALID',
        `adapters.${resolved.name}.kind: expected "process", "in-process" or "http", got ${JSON.stringify(kind)}`,
      );
  }
}
