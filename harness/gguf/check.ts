import { toError } from '../util/errors.ts';
import { checkMetadata } from './check-metadata.ts';
import { checkBertTensors } from './check-tensors.ts';
import { GgufFormatError, type GgufErrorCode } from './errors.ts';
import { ggmlTypeName } from './ggml-types.ts';
import { readGguf } from './reader.ts';
import { scanTensorData } from './scan-data.ts';

/** Data sections up to this size are scanned for NaN/Inf unless told otherwise. */
export const AUTO_SCAN_LIMIT_BYTES = 512 * 1024 * 1024;

export interface CheckedSpec {
  architecture: string;
  embedding: number;
  layers: number;
  heads: number;
  ffn: number;
  context: number;
  vocab: number;
  poolingType: number | undefined;
  /** Tensor type name -> number of tensors of that type. */
  tensorTypes: Record<string, number>;
  tensorCount: number;
  fileSize: number;
}

export type CheckResult =
  | { ok: true; spec: CheckedSpec; dataScanned: boolean; durationMs: number }
  | { ok: false; code: GgufErrorCode | 'GGUF_INTERNAL'; offset: number; field: string; message: string; durationMs: number };

export interface CheckOptions {
  /** Scan tensor data for NaN/Inf: true always, false never, undefined when the data is <= 512 MiB. */
  scanData?: boolean;
}

/**
 * The integrity check to run before any native code sees a model: format (header, metadata, tensor infos,
 * bounds), the hyper-parameters and vocabulary that make llama.cpp abort, BERT tensor shapes and types, and
 * optionally NaN/Inf in the data. Never throws for a bad file; reads in bounded chunks.
 */
export async function checkGguf(path: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const t0 = performance.now();
  try {
    const f = await readGguf(path);
    const h = checkMetadata(f);
    if (h.arch === 'bert') checkBertTensors(f, h);
    const dataBytes = f.tensors.reduce((a, t) => a + t.byteSize, 0);
    const scan = opts.scanData ?? dataBytes <= AUTO_SCAN_LIMIT_BYTES;
    if (scan) await scanTensorData(f);
    const tensorTypes: Record<string, number> = {};
    for (const t of f.tensors) tensorTypes[ggmlTypeName(t.type)] = (tensorTypes[ggmlTypeName(t.type)] ?? 0) + 1;
    const spec: CheckedSpec = {
      architecture: h.arch, embedding: h.embedding, layers: h.layers, heads: h.heads, ffn: h.ffn, context: h.context,
      vocab: h.vocab, poolingType: h.pooling, tensorTypes, tensorCount: f.tensors.length, fileSize: f.fileSize,
    };
    return { ok: true, spec, dataScanned: scan, durationMs: performance.now() - t0 };
  } catch (e) {
    const durationMs = performance.now() - t0;
    if (e instanceof GgufFormatError) return { ok: false, code: e.code, offset: e.offset, field: e.field, message: e.message, durationMs };
    const err = toError(e);
    return { ok: false, code: 'GGUF_INTERNAL', offset: 0, field: 'file', message: `checker failed: ${err.message}`, durationMs };
  }
}
