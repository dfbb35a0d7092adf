import { open } from 'node:fs/promises';
import { GgufFormatError } from './errors.ts';
import { BLOCK_LAYOUT } from './dequant.ts';
import { ggmlTypeName } from './ggml-types.ts';
import { GgmlType, type GgufFile, type GgufTensorInfo } from './types.ts';

const CHUNK = 1 << 20; // whole F32/F16/BF16 elements

const BLOCKS = BLOCK_LAYOUT;
const blockChunk = (bytes: number): number => bytes * Math.floor(CHUNK / bytes); // ~1 MiB of whole blocks

/** Tensor types whose values (or quantised block scales) the scan can test for NaN/Inf. */
export function scannable(t: GgufTensorInfo): boolean {
  return t.type === GgmlType.F32 || t.type === GgmlType.F16 || t.type === GgmlType.BF16 || BLOCKS[t.type] !== undefined;
}

/** Index of the first non-finite element in a chunk, or -1. */
function firstNonFinite(type: GgmlType, b: Buffer): number {
  if (type === GgmlType.F32) {
    const u = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
    for (let i = 0; i < u.length; i++) if ((u[i]! & 0x7f800000) === 0x7f800000) return i;
  } else if (type === GgmlType.F16) {
    const u = new Uint16Array(b.buffer, b.byteOffset, b.length >> 1);
    for (let i = 0; i < u.length; i++) if ((u[i]! & 0x7c00) === 0x7c00) return i;
  } else if (type === GgmlType.BF16) {
    const u = new Uint16Array(b.buffer, b.byteOffset, b.length >> 1);
    for (let i = 0; i < u.length; i++) if ((u[i]! & 0x7f80) === 0x7f80) return i;
  } else {
    const q = BLOCKS[type];
    if (q) for (let o = 0; o < b.length; o += q.bytes) for (const h of q.halves) if ((b.readUInt16LE(o + h) & 0x7c00) === 0x7c00) return (o / q.bytes) * q.elems;
  }
  return -1;
}

/**
 * Scans F32/F16/BF16 values and the FP16 scales of Q8_0, Q4_0 and K-quant blocks for NaN or Inf, in bounded chunks through one FileHandle.
 * Throws GGUF_NON_FINITE naming the tensor, element index and byte offset.
 */
export async function scanTensorData(f: GgufFile): Promise<number> {
  const fh = await open(f.path, 'r');
  let scanned = 0;
  try {
    const buf = Buffer.alloc(CHUNK);
    for (const t of f.tensors) {
      if (!scannable(t)) continue;
      const q = BLOCKS[t.type];
      const step = q ? blockChunk(q.bytes) : CHUNK;
      const elemBytes = t.type === GgmlType.F32 ? 4 : 2;
      for (let done = 0; done < t.byteSize; ) {
        const n = Math.min(step, t.byteSize - done);
        const pos = f.dataOffset + t.offset + done;
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        if (bytesRead !== n) throw new GgufFormatError('GGUF_TRUNCATED_DATA', pos + bytesRead, `${t.name}.data`, `short read in tensor "${t.name}" (file changed while checked?)`);
        const bad = firstNonFinite(t.type, buf.subarray(0, n));
        if (bad >= 0) {
          const index = q ? (done / q.bytes) * q.elems + bad : done / elemBytes + bad;
          const offset = q ? pos + (bad / q.elems) * q.bytes : pos + bad * elemBytes;
          throw new GgufFormatError('GGUF_NON_FINITE', offset, `${t.name}[${index}]`,
            `tensor "${t.name}" element ${index} is NaN or Inf${q ? ` (${ggmlTypeName(t.type)} block scale)` : ''}; llama.cpp would load it and return NaN embeddings`);
        }
        done += n;
        scanned += n;
      }
    }
  } finally {
    await fh.close();
  }
  return scanned;
}
