import { appendFile, copyFile, open, truncate, writeFile } from 'node:fs/promises';
import { GauntletError } from '../util/errors.ts';
import { readTensorChunks, readTensorF32, findTensor } from './reader.ts';
import { encodeF32 } from './tensor-data.ts';
import { BLOCK_LAYOUT } from './dequant.ts';
import { GgmlType, GgufValueType, type GgufFile, type GgufTensorInfo, type GgufValue } from './types.ts';
import { writeGguf, type GgufKv, type GgufTensorSpec } from './writer.ts';
import type { Rng } from './prng.ts';

export interface CorruptionContext {
  from: string;
  out: string;
  /** The parsed (valid) source model. */
  file: GgufFile;
  rng: Rng;
  seed: number;
}

/** Copies the source, then overwrites bytes at absolute offsets. */
export async function patch(ctx: CorruptionContext, edits: Array<[offset: number, bytes: Buffer]>): Promise<void> {
  await copyFile(ctx.from, ctx.out);
  const fh = await open(ctx.out, 'r+');
  try {
    for (const [off, b] of edits) await fh.write(b, 0, b.length, off);
  } finally {
    await fh.close();
  }
}

export async function truncateTo(ctx: CorruptionContext, length: number): Promise<void> {
  if (length === 0) return writeFile(ctx.out, Buffer.alloc(0));
  await copyFile(ctx.from, ctx.out);
  await truncate(ctx.out, length);
}

export async function appendBytes(ctx: CorruptionContext, b: Buffer): Promise<void> {
  await copyFile(ctx.from, ctx.out);
  await appendFile(ctx.out, b);
}

export const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
export const u64 = (n: number | bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
export const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };

export function kvOf(f: GgufFile, key: string) {
  const k = f.kvInfo.get(key);
  if (!k) throw new GauntletError('GAUNTLET_MODEL_INVALID', `corruption needs metadata key ${key}, which the source model lacks`);
  return k;
}

/** Absolute offset of a kv's value-type field. */
export function kvTypeOffset(f: GgufFile, key: string): number {
  return kvOf(f, key).valueOffset - 4;
}

/** Absolute offsets of the fields of one tensor info record. */
export function tensorInfoFields(f: GgufFile, name: string) {
  const t = findTensor(f, name);
  const nameLen = t.infoOffset!;
  const nDims = nameLen + 8 + Buffer.byteLength(t.name);
  const dims = t.dims.map((_, j) => nDims + 4 + 8 * j);
  const type = nDims + 4 + 8 * t.dims.length;
  return { tensor: t, nameLen, nDims, dims, type, offset: type + 4 };
}

/** Absolute offset of the first byte of a tensor's data. */
export function dataStart(f: GgufFile, t: GgufTensorInfo): number {
  return f.dataOffset + t.offset;
}

/** Bytes and absolute offset that replace element `index` of a tensor by `value` (NaN/Inf), in the tensor's encoding. */
export function elementPatch(f: GgufFile, t: GgufTensorInfo, index: number, kind: 'nan' | 'inf'): [number, Buffer] {
  const base = dataStart(f, t);
  switch (t.type) {
    case GgmlType.F32: return [base + 4 * index, u32(kind === 'nan' ? 0x7fc00000 : 0x7f800000)];
    case GgmlType.F16: return [base + 2 * index, u16(kind === 'nan' ? 0x7e00 : 0x7c00)];
    default: {
      // a quantised block: its scale d (every element of the block then dequantises to NaN / Inf)
      const q = BLOCK_LAYOUT[t.type];
      if (q) return [base + q.bytes * Math.floor(index / q.elems) + q.halves[0]!, u16(kind === 'nan' ? 0x7e00 : 0x7c00)];
      throw new GauntletError('GAUNTLET_MODEL_INVALID', `cannot plant ${kind} in tensor "${t.name}" of ggml type ${t.type}`);
    }
  }
}

export function elementCount(t: GgufTensorInfo): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

/** The source's metadata as writer entries (types preserved). */
export function kvsOf(f: GgufFile): GgufKv[] {
  return [...f.metadata].map(([key, value]) => {
    const i = f.kvInfo.get(key)!;
    return { key, type: i.type, itemType: i.itemType, value };
  });
}

/** The source's tensors as writer entries whose data streams from the source file. */
export function tensorsOf(f: GgufFile): GgufTensorSpec[] {
  return f.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, data: () => readTensorChunks(f, t.name) }));
}

/** A tensor re-encoded as another float type (F32 source data read whole: only for small tensors). */
export function retyped(f: GgufFile, name: string, type: GgmlType): GgufTensorSpec {
  const t = findTensor(f, name);
  return { name, dims: t.dims, type, data: async function* () { yield encodeF32(type, await readTensorF32(f, name)); } };
}

export interface Rebuild {
  kvs?: (kvs: GgufKv[]) => GgufKv[];
  tensors?: (ts: GgufTensorSpec[]) => GgufTensorSpec[];
}

/** Re-serialises the source with edited metadata and/or tensor list (tensor data streamed from the source). */
export async function rebuild(ctx: CorruptionContext, edit: Rebuild): Promise<void> {
  const kvs = edit.kvs ? edit.kvs(kvsOf(ctx.file)) : kvsOf(ctx.file);
  const ts = edit.tensors ? edit.tensors(tensorsOf(ctx.file)) : tensorsOf(ctx.file);
  await writeGguf(ctx.out, kvs, ts, { alignment: ctx.file.alignment });
}

export function setKv(kvs: GgufKv[], key: string, type: GgufValueType, value: GgufValue, itemType?: GgufValueType): GgufKv[] {
  const i = kvs.findIndex((k) => k.key === key);
  const kv: GgufKv = { key, type, value, itemType };
  if (i < 0) return [...kvs, kv];
  const out = [...kvs];
  out[i] = kv;
  return out;
}

export function dropKv(kvs: GgufKv[], key: string): GgufKv[] {
  return kvs.filter((k) => k.key !== key);
}

/** The architecture prefix of hyper-parameter keys ("bert"). */
export function arch(f: GgufFile): string {
  return String(f.metadata.get('general.architecture') ?? 'bert');
}
