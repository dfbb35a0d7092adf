import { ggmlTypeName } from './ggml-types.ts';
import { GgufValueType, type GgufFile, type GgufValue } from './types.ts';

function short(v: GgufValue, type: GgufValueType): string {
  if (Array.isArray(v)) {
    const head = v.slice(0, 5).map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ');
    return `[${head}${v.length > 5 ? `, ... (${v.length} items)` : ''}]`;
  }
  if (type === GgufValueType.STRING) return JSON.stringify(String(v).length > 120 ? `${String(v).slice(0, 120)}...` : v);
  return String(v);
}

/** A JSON-safe summary of a parsed file (bigints as strings, long arrays cut to their first items). */
export function inspectJson(f: GgufFile) {
  return {
    path: f.path,
    version: f.version,
    alignment: f.alignment,
    fileSize: f.fileSize,
    dataOffset: f.dataOffset,
    metadata: [...f.metadata].map(([key, value]) => {
      const i = f.kvInfo.get(key)!;
      const clip = (x: GgufValue): unknown => (typeof x === 'bigint' ? x.toString() : Array.isArray(x) ? x.slice(0, 20).map(clip) : x);
      return {
        key,
        type: GgufValueType[i.type],
        itemType: i.itemType === undefined ? undefined : GgufValueType[i.itemType],
        length: Array.isArray(value) ? value.length : undefined,
        value: clip(value),
        offset: i.offset,
      };
    }),
    tensors: f.tensors.map((t) => ({ name: t.name, dims: t.dims, type: ggmlTypeName(t.type), offset: t.offset, byteSize: t.byteSize })),
  };
}

function human(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${u[i]}`;
}

/** Human-readable listing: header, keys, tensor table with sizes and a per-type total. */
export function inspectText(f: GgufFile): string {
  const lines = [`${f.path}: GGUF v${f.version}, ${human(f.fileSize)} (${f.fileSize} bytes), alignment ${f.alignment}, data at byte ${f.dataOffset}`, '', `metadata (${f.metadata.size} keys):`];
  const kw = Math.max(...[...f.metadata.keys()].map((k) => k.length));
  for (const [key, value] of f.metadata) {
    const i = f.kvInfo.get(key)!;
    const type = i.type === GgufValueType.ARRAY ? `ARRAY<${GgufValueType[i.itemType!]}>` : GgufValueType[i.type];
    lines.push(`  ${key.padEnd(kw)}  ${type.padEnd(14)} ${short(value, i.type)}`);
  }
  lines.push('', `tensors (${f.tensors.length}):`);
  const nw = Math.max(4, ...f.tensors.map((t) => t.name.length));
  lines.push(`  ${'name'.padEnd(nw)}  ${'type'.padEnd(6)} ${'dims'.padEnd(16)} ${'bytes'.padStart(12)}`);
  const byType = new Map<string, number>();
  for (const t of f.tensors) {
    const tn = ggmlTypeName(t.type);
    byType.set(tn, (byType.get(tn) ?? 0) + t.byteSize);
    lines.push(`  ${t.name.padEnd(nw)}  ${tn.padEnd(6)} ${`[${t.dims.join(', ')}]`.padEnd(16)} ${String(t.byteSize).padStart(12)}`);
  }
  lines.push('', `data by type: ${[...byType].map(([k, v]) => `${k} ${human(v)}`).join(', ')}`);
  return lines.join('\n');
}
