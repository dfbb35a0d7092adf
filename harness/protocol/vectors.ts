/** Vector wire forms: Float32 little-endian bytes (msgpack `bin`) and number arrays (ndjson). */
import os from 'node:os';

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** The little-endian bytes of a vector (a view, no copy, on little-endian hosts). */
export function vectorToBytes(vector: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  const out = new Uint8Array(vector.length * 4);
  const view = new DataView(out.buffer);
  vector.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return out;
}

/** Copies Float32 LE bytes into a fresh (aligned) Float32Array, or says why it cannot. */
export function vectorFromBytes(value: unknown): Float32Array | string {
  if (!(value instanceof Uint8Array)) return 'expected binary (Float32 little-endian bytes)';
  if (value.length % 4 !== 0) return `binary of ${value.length} byte(s) is not a whole number of Float32 values`;
  const out = new Float32Array(value.length / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(value);
  } else {
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/**
 * A vector as JSON numbers: 9 significant digits round-trip any Float32 exactly and keep lines short.
 * JSON has no NaN or Infinity: non-finite values are written as null and read back as NaN.
 */
export function vectorToJson(vector: Float32Array): Array<number | null> {
  const out = new Array<number | null>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i]!;
    out[i] = Number.isFinite(x) ? Number(x.toPrecision(9)) : null;
  }
  return out;
}

export function vectorFromJson(value: unknown): Float32Array | string {
  if (!Array.isArray(value)) return 'expected an array of numbers';
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x = value[i];
    if (typeof x === 'number') out[i] = x;
    else if (x === null) out[i] = Number.NaN;
    else return `element ${i} is ${typeof x}, expected a number or null`;
  }
  return out;
}
