import { open } from 'node:fs/promises';
import { GgufFormatError } from './errors.ts';
import { GgmlType, type GgufFile, type GgufTensorInfo } from './types.ts';

const CHUNK = 1 << 20; // whole F32/F16/BF16 elements
const Q8_CHUNK = 34 * 30840; // ~1 MiB of whole Q8_0 blocks

/** Tensor types whose values (or Q8_0 block scales) the scan can test for NaN/Inf. */
export function scannable(t: GgufTensorInfo): boolean {
  return t.type === GgmlType.F32 || t.type === GgmlType.F16 || t.type === GgmlType.BF16 || t.type === GgmlType.Q8_0;
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
  } else if (type === GgmlType.Q8_0) {
    for (let o = 0; o < b.length; o += 34) if ((b.readUInt16LE(o) & 0x7c00) === 0x7c00) return (o / 34) * 32;
  }
  return -1;
}

/**
 * Scans F32/F16/BF16 values and Q8_0 block scales for NaN or Inf, in bounded chunks through one FileHandle.
 * Throws GGUF_NON_FINITE naming the tensor, element index and byte offset.
 */
export async function scanTensorData(f: GgufFile): Promise<number> {
  const fh = await open(f.path, 'r');
  let scanned = 0;
  try {
    const buf = Buffer.alloc(Math.max(CHUNK, Q8_CHUNK));
    for (const t of f.tensors) {
      if (!scannable(t)) continue;
      const step = t.type === GgmlType.Q8_0 ? Q8_CHUNK : CHUNK;
      const elemBytes = t.type === GgmlType.F32 ? 4 : 2;
      for (let done = 0; done < t.byteSize; ) {
        const n = Math.min(step, t.byteSize - done);
        const pos = f.dataOffset + t.offset + done;
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        if (bytesRead !== n) throw new GgufFormatError('GGUF_TRUNCATED_DATA', pos + bytesRead, `${t.name}.data`, `short read in tensor "${t.name}" (file changed while checked?)`);
        const bad = firstNonFinite(t.type, buf.subarray(0, n));
        if (bad >= 0) {
          const index = t.type === GgmlType.Q8_0 ? (done / 34) * 32 + bad : done / elemBytes + bad;
          const offset = t.type === GgmlType.Q8_0 ? pos + (bad / 32) * 34 : pos + bad * elemBytes;
          throw new GgufFormatError('GGUF_NON_FINITE', offset, `${t.name}[${index}]`,
            `tensor "${t.name}" element ${index} is NaN or Inf${t.type === GgmlType.Q8_0 ? ' (Q8_0 block scale)' : ''}; llama.cpp would load it and return NaN embeddings`);
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
