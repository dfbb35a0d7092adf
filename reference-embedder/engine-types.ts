/**
 * What computes the vectors behind the reference embedder's protocol side (service.ts, serve-stream.ts, main.ts):
 * an Engine. `llama` is node-llama-cpp on the GGUF (engine.ts); `onnx` is transformers.js on ONNX Runtime over an
 * ONNX export of the same GGUF (engine-onnx.ts). The in-process adapter takes the same engines.
 */
import type { ErrorCode } from '../harness/protocol/messages.ts';

export class EngineError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly retryable = false) {
    super(message);
  }
}

export const ENGINE_KINDS = ['llama', 'onnx'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export interface EngineOptions {
  /** A GGUF file; the onnx engine also takes an exported ONNX folder (a GGUF is exported on first use). */
  modelPath: string;
  lanes: number;
  threads: number;
  /** Requested context size; capped at the model's training context length. */
  contextSize?: number;
  log: (line: string) => void;
  /** Model-level fault switches (model-faults.ts; the llama engine only). */
  modelFaults?: import('./model-faults.ts').ModelFaults;
}

export interface Engine {
  readonly kind: EngineKind;
  readonly dims: number;
  readonly lanes: number;
  readonly name: string;
  readonly vocabSize: number;
  readonly contextSize: number;
  /** Called once when the engine can no longer be trusted (the mapped file changed); the service exits. */
  onPoisoned: ((reason: string) => void) | undefined;
  /** Tokens the engine would evaluate for this text, special tokens included. */
  inputLength(text: string): number;
  /** Throws EngineError 'too-many-tokens' when the text does not fit the context. */
  checkFits(text: string, where: string): void;
  /** The pooled, un-normalised vector; zero-length for a text without tokens (as node-llama-cpp answers). */
  embed(text: string): Promise<Float32Array>;
  /** Token level, for the faults that rewrite ids (faults.ts TOKEN_FAULTS); the llama engine has them. */
  tokenize?(text: string): number[];
  embedTokens?(ids: number[]): Promise<Float32Array>;
  readonly padTokenId?: number;
  dispose(): Promise<void>;
}

/** Loads the engine of `kind`; each is imported only when chosen (node-llama-cpp and transformers.js are heavy). */
export async function loadEngine(kind: EngineKind, opts: EngineOptions): Promise<Engine> {
  if (kind === 'onnx') {
    const planted = Object.entries(opts.modelFaults ?? {}).filter(([, on]) => on).map(([k]) => k);
    if (planted.length > 0) throw new EngineError('bad-request', `model-level faults (${planted.join(', ')}) are planted in the llama engine only, not in onnx`);
    const { OnnxEngine } = await import('./engine-onnx.ts');
    return OnnxEngine.load({ ...opts, checkGguf: true });
  }
  const { LlamaEngine } = await import('./engine.ts');
  return LlamaEngine.load(opts);
}
