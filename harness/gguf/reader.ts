import { open, type FileHandle } from 'node:fs/promises';
import { GauntletError } from '../util/errors.ts';
import { FileCursor } from './cursor.ts';
import { GgufFormatError } from './errors.ts';
import { canDequantize, chunkBytesFor, dequantizeInto, dequantTypeNames } from './dequant.ts';
import { alignUp, ggmlByteSize, ggmlTypeName, isKnownGgmlType } from './ggml-types.ts';
import { GgufValueType, type GgufFile, type GgufKvInfo, type GgufTensorInfo, type GgufValue } from './types.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp's GGML_MAX_NAME: a tensor name must be shorter than this. */
export const GGML_MAX_NAME = 64;
export const GGML_MAX_DIMS = 4;
/** No single string in a sane GGUF is longer (chat templates are tens of KB). */
export const MAX_STRING_BYTES = 16 * 1024 * 1024;
/** No metadata array in a sane GGUF is longer (vocabularies are < 1M tokens); bounds the JS array allocated. */
export const MAX_ARRAY_ITEMS = 1 << 24;

const MIN_KV_BYTES = 8 + 1 + 4 + 1; // key length, 1-byte key, value type, 1-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8; // name length, 1-byte name, n_dims, one dim, type, offset
const SCALAR_SIZE: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1, [GgufValueType.INT8]: 1, [GgufValueType.UINT16]: 2, [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4, [GgufValueType.INT32]: 4, [GgufValueType.FLOAT32]: 4, [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8, [GgufValueType.INT64]: 8, [GgufValueType.FLOAT64]: 8,
};
// ignoreBOM: a token or key string that starts with U+FEFF keeps it (a TextDecoder drops it by default)
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Checks a u64 count against a bound; returns it as a number. */
function boundedCount(v: bigint, max: number, code: 'GGUF_BAD_TENSOR_COUNT' | 'GGUF_BAD_KV_COUNT' | 'GGUF_BAD_ARRAY_LENGTH', offset: number, field: string, what: string): number {
  if (v > BigInt(max)) {
    throw new GgufFormatError(code, offset, field, `${field} is ${v}, but at most ${max} ${what} fit (the rest of the file, or the reader's limit): corrupt count or truncated file`);
  }
  return Number(v);
}

async function readString(c: FileCursor, field: string): Promise<string> {
  const at = c.pos;
  const len = await c.u64(field);
  const max = Math.min(c.remaining, MAX_STRING_BYTES);
  if (len > BigInt(max)) {
    throw new GgufFormatError('GGUF_BAD_STRING_LENGTH', at, field,
      `${field}: string length ${len} exceeds ${c.remaining < MAX_STRING_BYTES ? `the ${c.remaining} bytes left in the file` : `the ${MAX_STRING_BYTES}-byte limit`}`);
  }
  const n = Number(len);
  const bytes = await c.bytes(n, field);
  try {
    return utf8.decode(bytes);
  } catch (e) {
    throw new GgufFormatError('GGUF_BAD_UTF8', at + 8, field, `${field}: string of ${n} bytes is not valid UTF-8`, e);
  }
}

async function readScalar(c: FileCursor, t: GgufValueType, field: string): Promise<GgufValue> {
  const at = c.pos;
  switch (t) {
    case GgufValueType.UINT8: return c.scalar(1, field, (b, o) => b.readUInt8(o));
    case GgufValueType.INT8: return c.scalar(1, field, (b, o) => b.readInt8(o));
    case GgufValueType.UINT16: return c.scalar(2, field, (b, o) => b.readUInt16LE(o));
    case GgufValueType.INT16: return c.scalar(2, field, (b, o) => b.readInt16LE(o));
    case GgufValueType.UINT32: return c.scalar(4, field, (b, o) => b.readUInt32LE(o));
    case GgufValueType.INT32: return c.scalar(4, field, (b, o) => b.readInt32LE(o));
    case GgufValueType.FLOAT32: return c.scalar(4, field, (b, o) => b.readFloatLE(o));
    case GgufValueType.UINT64: return c.scalar(8, field, (b, o) => b.readBigUInt64LE(o));
    case GgufValueType.INT64: return c.scalar(8, field, (b, o) => b.readBigInt64LE(o));
    case GgufValueType.FLOAT64: return c.scalar(8, field, (b, o) => b.readDoubleLE(o));
    case GgufValueType.BOOL: {
      const v = await c.u8(field);
      if (v > 1) throw new GgufFormatError('GGUF_BAD_BOOL', at, field, `${field}: bool byte is ${v}, expected 0 or 1`);
      return v === 1;
    }
    case GgufValueType.STRING: return readString(c, field);
    default:
      throw new GgufFormatError('GGUF_BAD_VALUE_TYPE', at, field, `${field}: value type ${t} cannot be read as a scalar`);
  }
}

function checkValueType(t: number, offset: number, field: string): asserts t is GgufValueType {
  if (t > GgufValueType.FLOAT64) {
    throw new GgufFormatError('GGUF_BAD_VALUE_TYPE', offset, field, `${field}: value type ${t} is not one of the 13 GGUF types (0..12)`);
  }
}

async function readValue(c: FileCursor, t: GgufValueType, field: string, info: GgufKvInfo): Promise<GgufValue> {
  if (t !== GgufValueType.ARRAY) return readScalar(c, t, field);
  const typeAt = c.pos;
  const itemType = await c.u32(`${field}.type`);
  checkValueType(itemType, typeAt, `${field}.type`);
  if (itemType === GgufValueType.ARRAY) {
    throw new GgufFormatError('GGUF_NESTED_ARRAY', typeAt, `${field}.type`, `${field}: arrays of arrays are not supported by llama.cpp`);
  }
  info.itemType = itemType;
  const countAt = c.pos;
  const rawCount = await c.u64(`${field}.length`);
  const minItem = itemType === GgufValueType.STRING ? 8 : SCALAR_SIZE[itemType]!;
  const count = boundedCount(rawCount, Math.min(MAX_ARRAY_ITEMS, Math.floor(c.remaining / minItem)), 'GGUF_BAD_ARRAY_LENGTH', countAt, `${field}.length`, 'items');
  const out: GgufValue[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = await readScalar(c, itemType, `${field}[${i}]`);
  return out;
}

/** Parses and validates a GGUF v3 file's header, metadata and tensor infos; never reads tensor data. */
export async function readGguf(path: string): Promise<GgufFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new GgufFormatError('GGUF_IO', 0, 'file', `cannot open ${path}: ${(e as Error).message}`, e);
  }
  try {
    const fileSize = (await fh.stat()).size;
    return await parse(fh, path, fileSize);
  } finally {
    await fh.close();
  }
}

async function parse(fh: FileHandle, path: string, fileSize: number): Promise<GgufFile> {
  if (fileSize === 0) throw new GgufFormatError('GGUF_EMPTY_FILE', 0, 'magic', `${path} is empty (0 bytes)`);
  const c = new FileCursor(fh, fileSize);
  if (fileSize < 4) throw new GgufFormatError('GGUF_TRUNCATED', 0, 'magic', `file is ${fileSize} bytes, too short for the 4-byte magic`);
  const magic = await c.u32('magic');
  if (magic !== GGUF_MAGIC) {
    const hex = Buffer.alloc(4);
    hex.writeUInt32LE(magic);
    throw new GgufFormatError('GGUF_BAD_MAGIC', 0, 'magic', `magic is 0x${hex.toString('hex')} (${JSON.stringify(hex.toString('latin1'))}), expected "GGUF": not a GGUF file`);
  }
  const version = await c.u32('version');
  if (version !== GGUF_VERSION) {
    throw new GgufFormatError('GGUF_BAD_VERSION', 4, 'version', `GGUF version ${version} is not supported; expected ${GGUF_VERSION}`);
  }
  const tensorCount = boundedCount(await c.u64('tensor_count'), Math.floor((fileSize - 24) / MIN_TENSOR_INFO_BYTES), 'GGUF_BAD_TENSOR_COUNT', 8, 'tensor_count', 'tensor infos');
  const kvCount = boundedCount(await c.u64('kv_count'), Math.floor((fileSize - 24) / MIN_KV_BYTES), 'GGUF_BAD_KV_COUNT', 16, 'kv_count', 'key-value pairs');

  const metadata = new Map<string, GgufValue>();
  const kvInfo = new Map<string, GgufKvInfo>();
  for (let i = 0; i < kvCount; i++) {
    const offset = c.pos;
    const key = await readString(c, `kv[${i}].key`);
    if (key.length === 0) throw new GgufFormatError('GGUF_EMPTY_KEY', offset, `kv[${i}].key`, `metadata key #${i} is empty`);
    if (metadata.has(key)) throw new GgufFormatError('GGUF_DUPLICATE_KEY', offset, key, `metadata key "${key}" appears twice (#${i} repeats an earlier key)`);
    const typeAt = c.pos;
    const type = await c.u32(`${key}.type`);
    checkValueType(type, typeAt, `${key}.type`);
    const info: GgufKvInfo = { type, offset, valueOffset: c.pos };
    metadata.set(key, await readValue(c, type, key, info));
    kvInfo.set(key, info);
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = kvInfo.get('general.alignment');
  if (al) {
    const v = metadata.get('general.alignment');
    if (al.type !== GgufValueType.UINT32) {
      throw new GgufFormatError('GGUF_BAD_ALIGNMENT', al.offset, 'general.alignment', `general.alignment has type ${GgufValueType[al.type]}, expected UINT32`);
    }
    const n = v as number;
    if (n === 0 || (n & (n - 1)) !== 0) {
      throw new GgufFormatError('GGUF_BAD_ALIGNMENT', al.valueOffset, 'general.alignment', `general.alignment is ${n}, expected a non-zero power of two`);
    }
    alignment = n;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) tensors.push(await readTensorInfo(c, i, names));

  const dataOffset = alignUp(c.pos, alignment);
  let expected = 0;
  for (const t of tensors) {
    if (t.offset !== expected) {
      throw new GgufFormatError('GGUF_BAD_TENSOR_OFFSET', t.infoOffset!, `${t.name}.offset`,
        `tensor "${t.name}" has data offset ${t.offset}, expected ${expected} (tensors must be stored in order, each padded to ${alignment} bytes)`);
    }
    const end = dataOffset + t.offset + t.byteSize;
    if (end > fileSize) {
      throw new GgufFormatError('GGUF_TRUNCATED_DATA', fileSize, `${t.name}.data`,
        `tensor "${t.name}" data ends at byte ${end}, past the end of the ${fileSize}-byte file (truncated?)`);
    }
    expected += alignUp(t.byteSize, alignment);
  }
  return { path, version, alignment, metadata, tensors, dataOffset, fileSize, kvInfo };
}

async function readTensorInfo(c: FileCursor, i: number, names: Set<string>): Promise<GgufTensorInfo> {
  const infoOffset = c.pos;
  const name = await readString(c, `tensor[${i}].name`);
  if (name.length === 0 || Buffer.byteLength(name) >= GGML_MAX_NAME) {
    throw new GgufFormatError('GGUF_BAD_TENSOR_NAME', infoOffset, `tensor[${i}].name`,
      `tensor #${i} name ${JSON.stringify(name.slice(0, 80))} is ${Buffer.byteLength(name)} bytes; expected 1..${GGML_MAX_NAME - 1}`);
  }
  if (names.has(name)) throw new GgufFormatError('GGUF_DUPLICATE_TENSOR', infoOffset, `${name}.name`, `tensor name "${name}" appears twice`);
  names.add(name);
  const ndAt = c.pos;
  const nDims = await c.u32(`${name}.n_dims`);
  if (nDims < 1 || nDims > GGML_MAX_DIMS) {
    throw new GgufFormatError('GGUF_BAD_NDIMS', ndAt, `${name}.n_dims`, `tensor "${name}" has ${nDims} dimensions; expected 1..${GGML_MAX_DIMS}`);
  }
  const dims: number[] = [];
  let elements = 1n;
  for (let j = 0; j < nDims; j++) {
    const at = c.pos;
    const d = await c.u64(`${name}.ne[${j}]`);
    elements *= d;
    if (d === 0n || d > BigInt(Number.MAX_SAFE_INTEGER) || elements > 0x7fffffffffffffffn) {
      throw new GgufFormatError('GGUF_BAD_DIM', at, `${name}.ne[${j}]`,
        `tensor "${name}" dimension ${j} is ${d}${d === 0n ? ' (zero-sized)' : ' (element count overflows int64)'}`);
    }
    dims.push(Number(d));
  }
  const typeAt = c.pos;
  const type = await c.u32(`${name}.type`);
  if (!isKnownGgmlType(type)) {
    throw new GgufFormatError('GGUF_BAD_TENSOR_TYPE', typeAt, `${name}.type`, `tensor "${name}" has ggml type ${type}, which is not a known ggml type`);
  }
  const byteSize = ggmlByteSize(type, dims);
  if (byteSize === undefined) {
    throw new GgufFormatError('GGUF_BAD_SHAPE', typeAt, `${name}.type`,
      `tensor "${name}" of type ${ggmlTypeName(type)} has shape [${dims.join(', ')}]: ne0 must be a multiple of the block size and the size must fit`);
  }
  const offAt = c.pos;
  const off = await c.u64(`${name}.offset`);
  if (off > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GgufFormatError('GGUF_BAD_TENSOR_OFFSET', offAt, `${name}.offset`, `tensor "${name}" data offset ${off} is past any file`);
  }
  return { name, dims, type, offset: Number(off), byteSize, infoOffset };
}

/** Streams a tensor's raw bytes in chunks of at most `chunkBytes` (the buffer is reused between chunks). */
export async function* readTensorChunks(file: GgufFile, name: string, chunkBytes = 1 << 20): AsyncGenerator<Buffer> {
  const t = findTensor(file, name);
  const fh = await open(file.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(chunkBytes, Math.max(1, t.byteSize)));
    let done = 0;
    while (done < t.byteSize) {
      const n = Math.min(buf.length, t.byteSize - done);
      const { bytesRead } = await fh.read(buf, 0, n, file.dataOffset + t.offset + done);
      if (bytesRead !== n) throw new GgufFormatError('GGUF_TRUNCATED_DATA', file.dataOffset + t.offset + done, `${name}.data`, `short read of tensor "${name}"`);
      done += n;
      yield buf.subarray(0, n);
    }
  } finally {
    await fh.close();
  }
}

export function findTensor(file: GgufFile, name: string): GgufTensorInfo {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new GauntletError('GAUNTLET_MODEL_INVALID', `tensor "${name}" is not in ${file.path} (it has ${file.tensors.length} tensors)`);
  return t;
}

/** Reads a whole tensor as float32, dequantised as ggml does (dequant.ts: F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K). */
export async function readTensorF32(file: GgufFile, name: string): Promise<Float32Array> {
  const t = findTensor(file, name);
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (!canDequantize(t.type)) {
    throw new GauntletError('GAUNTLET_MODEL_INVALID', `tensor "${name}" has type ${ggmlTypeName(t.type)}, which gauntlet cannot dequantise (it reads ${dequantTypeNames()})`);
  }
  const out = new Float32Array(n);
  let k = 0;
  for await (const b of readTensorChunks(file, name, chunkBytesFor(t.type))) k = dequantizeInto(t.type, b, out, k);
  return out;
}

/** Decodes one chunk (whole elements / blocks) into `out` from index `k`; returns the next index. */
export const decodeInto = dequantizeInto;
