import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { GauntletError } from '../util/errors.ts';
import { alignUp, ggmlByteSize, ggmlTypeName } from './ggml-types.ts';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION } from './reader.ts';
import { GgufValueType, type GgmlType, type GgufValue } from './types.ts';

/** One metadata entry with its explicit GGUF type (numbers alone cannot say u32 from f32). */
export interface GgufKv {
  key: string;
  type: GgufValueType;
  value: GgufValue;
  /** Item type when `type` is ARRAY. */
  itemType?: GgufValueType;
}

/** One tensor: its info plus a source of exactly byteSize bytes, pulled chunk by chunk while writing. */
export interface GgufTensorSpec {
  name: string;
  dims: number[];
  type: GgmlType;
  data: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface WriteOptions {
  version?: number;
  /** Layout alignment. Defaults to a valid u32 general.alignment kv, else 32. */
  alignment?: number;
  onProgress?: (written: number, total: number) => void;
}

export interface WriteResult {
  bytes: number;
  sha256: string;
}

const FLUSH_BYTES = 1 << 20;

function scalarBytes(type: GgufValueType, v: GgufValue, key: string): Buffer {
  const bad = (): never => {
    throw new GauntletError('GAUNTLET_INTERNAL', `gguf writer: value ${String(v)} of "${key}" does not fit type ${GgufValueType[type]}`);
  };
  let b: Buffer;
  switch (type) {
    case GgufValueType.UINT8: b = Buffer.alloc(1); b.writeUInt8(Number(v)); return b;
    case GgufValueType.INT8: b = Buffer.alloc(1); b.writeInt8(Number(v)); return b;
    case GgufValueType.UINT16: b = Buffer.alloc(2); b.writeUInt16LE(Number(v)); return b;
    case GgufValueType.INT16: b = Buffer.alloc(2); b.writeInt16LE(Number(v)); return b;
    case GgufValueType.UINT32: b = Buffer.alloc(4); b.writeUInt32LE(Number(v)); return b;
    case GgufValueType.INT32: b = Buffer.alloc(4); b.writeInt32LE(Number(v)); return b;
    case GgufValueType.FLOAT32: b = Buffer.alloc(4); b.writeFloatLE(Number(v)); return b;
    case GgufValueType.FLOAT64: b = Buffer.alloc(8); b.writeDoubleLE(Number(v)); return b;
    case GgufValueType.UINT64: b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v as number | bigint)); return b;
    case GgufValueType.INT64: b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v as number | bigint)); return b;
    case GgufValueType.BOOL: b = Buffer.alloc(1); b.writeUInt8(typeof v === 'boolean' ? (v ? 1 : 0) : Number(v)); return b;
    case GgufValueType.STRING: return typeof v === 'string' ? stringBytes(v) : bad();
    default: return bad();
  }
}

export function stringBytes(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(body.length));
  return Buffer.concat([len, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** Serialises one kv (key, type, value). */
export function kvBytes(kv: GgufKv): Buffer {
  const parts = [stringBytes(kv.key), u32(kv.type)];
  if (kv.type === GgufValueType.ARRAY) {
    const items = kv.value as GgufValue[];
    const it = kv.itemType ?? GgufValueType.UINT8;
    parts.push(u32(it), u64(items.length));
    for (const x of items) parts.push(scalarBytes(it, x, kv.key));
  } else {
    parts.push(scalarBytes(kv.type, kv.value, kv.key));
  }
  return Buffer.concat(parts);
}

function layoutAlignment(kvs: GgufKv[], opt?: number): number {
  if (opt) return opt;
  const a = kvs.find((k) => k.key === 'general.alignment');
  const n = a && a.type === GgufValueType.UINT32 ? Number(a.value) : 0;
  return n > 0 && (n & (n - 1)) === 0 ? n : GGUF_DEFAULT_ALIGNMENT;
}

/** Size and offsets a file with these tensors will have, without writing anything. */
export function planLayout(kvs: GgufKv[], tensors: Omit<GgufTensorSpec, 'data'>[], opts: WriteOptions = {}) {
  const alignment = layoutAlignment(kvs, opts.alignment);
  const header: Buffer[] = [u32(GGUF_MAGIC), u32(opts.version ?? GGUF_VERSION), u64(tensors.length), u64(kvs.length)];
  for (const kv of kvs) header.push(kvBytes(kv));
  let offset = 0;
  const infos = tensors.map((t) => {
    const byteSize = ggmlByteSize(t.type, t.dims);
    if (byteSize === undefined) {
      throw new GauntletError('GAUNTLET_INTERNAL', `gguf writer: tensor "${t.name}" ${ggmlTypeName(t.type)} [${t.dims.join(', ')}] has no valid byte size`);
    }
    const info = { ...t, offset, byteSize };
    offset += alignUp(byteSize, alignment);
    header.push(stringBytes(t.name), u32(t.dims.length), ...t.dims.map((d) => u64(d)), u32(t.type), u64(info.offset));
    return info;
  });
  const headerBytes = Buffer.concat(header);
  const dataOffset = alignUp(headerBytes.length, alignment);
  return { alignment, headerBytes, infos, dataOffset, totalBytes: dataOffset + offset };
}

/**
 * Writes a GGUF file, streaming each tensor's data from its source: memory stays bounded by the header plus
 * one chunk, whatever the file size. Returns the size and the sha256 of what was written.
 */
export async function writeGguf(out: string, kvs: GgufKv[], tensors: GgufTensorSpec[], opts: WriteOptions = {}): Promise<WriteResult> {
  const plan = planLayout(kvs, tensors, opts);
  const hash = createHash('sha256');
  const fh = await open(out, 'w');
  let written = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lastReport = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const b = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    let off = 0;
    while (off < b.length) off += (await fh.write(b, off, b.length - off)).bytesWritten;
    if (opts.onProgress && (written - lastReport >= 64 << 20 || written === plan.totalBytes)) {
      lastReport = written;
      opts.onProgress(written, plan.totalBytes);
    }
  };
  const emit = async (chunk: Uint8Array) => {
    if (chunk.length === 0) return;
    // copy: sources may reuse their buffers
    const b = Buffer.from(chunk);
    hash.update(b);
    written += b.length;
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= FLUSH_BYTES) await flush();
  };
  try {
    await emit(plan.headerBytes);
    await emit(Buffer.alloc(plan.dataOffset - plan.headerBytes.length));
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      const info = plan.infos[i]!;
      let n = 0;
      for await (const chunk of t.data()) {
        n += chunk.length;
        if (n > info.byteSize) break;
        await emit(chunk);
      }
      if (n !== info.byteSize) {
        throw new GauntletError('GAUNTLET_INTERNAL', `gguf writer: tensor "${t.name}" source gave ${n} bytes, expected ${info.byteSize}`);
      }
      await emit(Buffer.alloc(alignUp(info.byteSize, plan.alignment) - info.byteSize));
    }
    await flush();
  } finally {
    await fh.close();
  }
  return { bytes: written, sha256: hash.digest('hex') };
}
