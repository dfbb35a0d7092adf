import { kvOf, kvTypeOffset, patch, rebuild, setKv, tensorInfoFields, truncateTo, u32, u64 } from './corrupt-ops.ts';
import type { CorruptionVariant } from './corruption-types.ts';
import { GgufValueType } from './types.ts';

const TOKENS = 'tokenizer.ggml.tokens';

/** Header, metadata and tensor-info mutations: all must be rejected by the format reader. */
export const FORMAT_CORRUPTIONS: CorruptionVariant[] = [
  // ---- header
  { id: 'empty-file', part: 'header', description: 'zero-byte file', expect: 'rejected', code: 'GGUF_EMPTY_FILE', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, 0) },
  { id: 'magic-only', part: 'header', description: 'file cut after the 4-byte magic', expect: 'rejected', code: 'GGUF_TRUNCATED', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, 4) },
  { id: 'bad-magic', part: 'header', description: 'magic "GGML" instead of "GGUF"', expect: 'rejected', code: 'GGUF_BAD_MAGIC', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[0, Buffer.from('GGML')]]) },
  { id: 'magic-reversed', part: 'header', description: 'magic bytes in big-endian order ("FUGG")', expect: 'rejected', code: 'GGUF_BAD_MAGIC', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[0, Buffer.from('FUGG')]]) },
  { id: 'version-1', part: 'header', description: 'GGUF version 1 (32-bit counts, unsupported)', expect: 'rejected', code: 'GGUF_BAD_VERSION', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[4, u32(1)]]) },
  { id: 'version-2', part: 'header', description: 'GGUF version 2 (same layout; this checker accepts v3 only)', expect: 'rejected', llamaRisk: 'none', code: 'GGUF_BAD_VERSION',
    class: 'engine-specific', harm: { engine: "gauntlet's checker", effect: 'refuses it (reads v3 only); llama.cpp loads it', correctFrom: 'base' },
    apply: (c) => patch(c, [[4, u32(2)]]) },
  { id: 'version-big-endian', part: 'header', description: 'version 3 written big-endian (0x03000000)', expect: 'rejected', code: 'GGUF_BAD_VERSION', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[4, u32(0x03000000)]]) },
  { id: 'tensor-count-2^40', part: 'header', description: 'tensor_count = 2^40', expect: 'rejected', code: 'GGUF_BAD_TENSOR_COUNT', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[8, u64(2n ** 40n)]]) },
  { id: 'kv-count-2^40', part: 'header', description: 'kv_count = 2^40', expect: 'rejected', code: 'GGUF_BAD_KV_COUNT', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[16, u64(2n ** 40n)]]) },
  { id: 'tensor-count-plus-one', part: 'header', description: 'tensor_count one more than the tensor infos present', expect: 'rejected', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[8, u64(c.file.tensors.length + 1)]]) },
  { id: 'kv-count-plus-one', part: 'header', description: 'kv_count one more than the pairs present (first tensor info read as a kv)', expect: 'rejected', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[16, u64(c.file.metadata.size + 1)]]) },
  { id: 'tensor-count-zero', part: 'header', description: 'tensor_count = 0 (tensor infos ignored, model has no weights)', expect: 'rejected', code: 'GGUF_MISSING_TENSOR', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[8, u64(0)]]) },
  { id: 'cut-after-counts', part: 'header', description: 'file cut right after the 24-byte header', expect: 'rejected', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, 24) },
  // ---- metadata
  { id: 'key-length-2^62', part: 'metadata', description: 'first key length = 2^62', expect: 'rejected', code: 'GGUF_BAD_STRING_LENGTH', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[24, u64(2n ** 62n)]]) },
  { id: 'key-length-past-eof', part: 'metadata', description: 'first key length = file size', expect: 'rejected', code: 'GGUF_BAD_STRING_LENGTH', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[24, u64(c.file.fileSize)]]) },
  { id: 'value-type-13', part: 'metadata', description: 'bert.block_count value type 13 (one past FLOAT64)', expect: 'rejected', code: 'GGUF_BAD_VALUE_TYPE', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvTypeOffset(c.file, 'bert.block_count'), u32(13)]]) },
  { id: 'value-type-random', part: 'metadata', description: 'a seeded key gets a random value type >= 13', expect: 'rejected', code: 'GGUF_BAD_VALUE_TYPE', llamaRisk: 'js-error',
    apply: (c) => {
      const keys = [...c.file.kvInfo.keys()];
      const key = keys[c.rng.int(keys.length)]!;
      return patch(c, [[kvTypeOffset(c.file, key), u32(13 + c.rng.int(0xfffffff0))]]);
    } },
  { id: 'string-length-2^62', part: 'metadata', description: 'general.architecture string length = 2^62', expect: 'rejected', code: 'GGUF_BAD_STRING_LENGTH', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvOf(c.file, 'general.architecture').valueOffset, u64(2n ** 62n)]]) },
  { id: 'token-length-huge', part: 'metadata', description: 'a seeded vocabulary string gets length 2^40', expect: 'rejected', code: 'GGUF_BAD_STRING_LENGTH', llamaRisk: 'js-error',
    apply: (c) => {
      const tokens = c.file.metadata.get(TOKENS) as string[];
      const i = c.rng.int(tokens.length);
      let at = kvOf(c.file, TOKENS).valueOffset + 12;
      for (let j = 0; j < i; j++) at += 8 + Buffer.byteLength(tokens[j]!);
      return patch(c, [[at, u64(2n ** 40n)]]);
    } },
  { id: 'array-length-2^40', part: 'metadata', description: 'vocabulary array length = 2^40', expect: 'rejected', code: 'GGUF_BAD_ARRAY_LENGTH', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvOf(c.file, TOKENS).valueOffset + 4, u64(2n ** 40n)]]) },
  { id: 'array-length-plus-one', part: 'metadata', description: 'vocabulary array length one too many (next key read as a token)', expect: 'rejected', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvOf(c.file, TOKENS).valueOffset + 4, u64((c.file.metadata.get(TOKENS) as string[]).length + 1)]]) },
  { id: 'array-item-type-99', part: 'metadata', description: 'vocabulary array item type 99', expect: 'rejected', code: 'GGUF_BAD_VALUE_TYPE', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvOf(c.file, TOKENS).valueOffset, u32(99)]]) },
  { id: 'nested-array', part: 'metadata', description: 'vocabulary array item type ARRAY (array of arrays)', expect: 'rejected', code: 'GGUF_NESTED_ARRAY', llamaRisk: 'hang',
    apply: (c) => patch(c, [[kvOf(c.file, TOKENS).valueOffset, u32(GgufValueType.ARRAY)]]) },
  { id: 'duplicate-key', part: 'metadata', description: 'bert.block_count stored twice', expect: 'rejected', code: 'GGUF_DUPLICATE_KEY', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { kvs: (k) => [...k, { key: 'bert.block_count', type: GgufValueType.UINT32, value: 2 }] }) },
  { id: 'empty-key', part: 'metadata', description: 'an extra pair with an empty key', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_EMPTY_KEY',
    apply: (c) => rebuild(c, { kvs: (k) => [...k, { key: '', type: GgufValueType.UINT32, value: 1 }] }) },
  { id: 'key-invalid-utf8', part: 'metadata', description: 'byte 0xFF inside the key "general.architecture"', expect: 'rejected', llamaRisk: 'js-error', code: 'GGUF_BAD_UTF8',
    apply: (c) => patch(c, [[kvOf(c.file, 'general.architecture').offset + 8 + 3, Buffer.from([0xff])]]) },
  { id: 'token-invalid-utf8', part: 'metadata', description: 'byte 0xFF inside a seeded multi-byte vocabulary string', expect: 'rejected', llamaRisk: 'none', code: 'GGUF_BAD_UTF8',
    apply: (c) => {
      const tokens = c.file.metadata.get(TOKENS) as string[];
      const candidates = tokens.map((t, i) => [t, i] as const).filter(([t]) => t.startsWith('\u2581'));
      const [, i] = candidates[c.rng.int(candidates.length)]!;
      let at = kvOf(c.file, TOKENS).valueOffset + 12;
      for (let j = 0; j < i; j++) at += 8 + Buffer.byteLength(tokens[j]!);
      return patch(c, [[at + 8, Buffer.from([0xff])]]);
    } },
  { id: 'bool-value-2', part: 'metadata', description: 'bert.attention.causal bool byte = 2', expect: 'rejected', llamaRisk: 'none', code: 'GGUF_BAD_BOOL',
    apply: (c) => patch(c, [[kvOf(c.file, 'bert.attention.causal').valueOffset, Buffer.from([2])]]) },
  { id: 'alignment-zero', part: 'metadata', description: 'general.alignment = 0', expect: 'rejected', code: 'GGUF_BAD_ALIGNMENT', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvOf(c.file, 'general.alignment').valueOffset, u32(0)]]) },
  { id: 'alignment-33', part: 'metadata', description: 'general.alignment = 33 (not a power of two)', expect: 'rejected', code: 'GGUF_BAD_ALIGNMENT', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvOf(c.file, 'general.alignment').valueOffset, u32(33)]]) },
  { id: 'alignment-int32', part: 'metadata', description: 'general.alignment stored as INT32 instead of UINT32', expect: 'rejected', code: 'GGUF_BAD_ALIGNMENT', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvTypeOffset(c.file, 'general.alignment'), u32(GgufValueType.INT32)]]) },
  { id: 'cut-in-vocab', part: 'metadata', description: 'file cut in the middle of the vocabulary array', expect: 'rejected', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, kvOf(c.file, TOKENS).valueOffset + 40) },
  { id: 'block-count-int32', part: 'metadata', description: 'bert.block_count stored as INT32 (wrong key type)', expect: 'rejected', code: 'GGUF_WRONG_KEY_TYPE', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[kvTypeOffset(c.file, 'bert.block_count'), u32(GgufValueType.INT32)]]) },
  { id: 'architecture-u32', part: 'metadata', description: 'general.architecture stored as a UINT32', expect: 'rejected', code: 'GGUF_WRONG_KEY_TYPE', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { kvs: (k) => setKv(k, 'general.architecture', GgufValueType.UINT32, 7) }) },
  // ---- tensor infos
  { id: 'tensor-name-length-2^62', part: 'tensor-info', description: 'first tensor name length = 2^62', expect: 'rejected', code: 'GGUF_BAD_STRING_LENGTH', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[c.file.tensors[0]!.infoOffset!, u64(2n ** 62n)]]) },
  { id: 'tensor-name-64-bytes', part: 'tensor-info', description: 'a tensor named with 64 bytes (GGML_MAX_NAME)', expect: 'rejected', code: 'GGUF_BAD_TENSOR_NAME', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { tensors: (t) => t.map((x, i) => (i === t.length - 1 ? { ...x, name: 'x'.repeat(64) } : x)) }) },
  { id: 'duplicate-tensor-name', part: 'tensor-info', description: 'second tensor renamed to the first tensor\'s name', expect: 'rejected', code: 'GGUF_DUPLICATE_TENSOR', llamaRisk: 'js-error',
    apply: (c) => rebuild(c, { tensors: (t) => t.map((x, i) => (i === 1 ? { ...x, name: t[0]!.name } : x)) }) },
  { id: 'n-dims-0', part: 'tensor-info', description: 'first tensor n_dims = 0', expect: 'rejected', code: 'GGUF_BAD_NDIMS', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors[0]!.name).nDims, u32(0)]]) },
  { id: 'n-dims-9', part: 'tensor-info', description: 'first tensor n_dims = 9 (max is 4)', expect: 'rejected', code: 'GGUF_BAD_NDIMS', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors[0]!.name).nDims, u32(9)]]) },
  { id: 'dim-zero', part: 'tensor-info', description: 'a seeded tensor gets ne0 = 0', expect: 'rejected', code: 'GGUF_BAD_DIM', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors[c.rng.int(c.file.tensors.length)]!.name).dims[0]!, u64(0)]]) },
  { id: 'dim-2^62', part: 'tensor-info', description: 'a 1-D tensor gets ne0 = 2^62', expect: 'rejected', code: 'GGUF_BAD_DIM', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, 'token_embd_norm.weight').dims[0]!, u64(2n ** 62n)]]) },
  { id: 'dims-overflow', part: 'tensor-info', description: 'token_embd.weight dims 2^32 x 2^32 (element count overflows int64)', expect: 'rejected', code: 'GGUF_BAD_DIM', llamaRisk: 'js-error',
    apply: (c) => { const f = tensorInfoFields(c.file, 'token_embd.weight'); return patch(c, [[f.dims[0]!, u64(2n ** 32n)], [f.dims[1]!, u64(2n ** 32n)]]); } },
  { id: 'tensor-type-99', part: 'tensor-info', description: 'a seeded tensor gets ggml type 99', expect: 'rejected', code: 'GGUF_BAD_TENSOR_TYPE', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors[c.rng.int(c.file.tensors.length)]!.name).type, u32(99)]]) },
  { id: 'tensor-type-q4_2', part: 'tensor-info', description: 'first tensor gets the removed type Q4_2 (4)', expect: 'rejected', code: 'GGUF_BAD_TENSOR_TYPE', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors[0]!.name).type, u32(4)]]) },
  { id: 'last-tensor-f16', part: 'tensor-info', description: 'last tensor (a norm bias) relabelled F16 without re-encoding', expect: 'rejected', llamaRisk: 'abort', code: 'GGUF_WRONG_TENSOR_TYPE',
    class: 'engine-specific', harm: { engine: 'llama.cpp', effect: 'aborts: it requires F32 norm tensors', correctFrom: 'file' },
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors.at(-1)!.name).type, u32(1)]]) },
  { id: 'offset-past-eof', part: 'tensor-info', description: 'last tensor data offset = 2^40', expect: 'rejected', code: 'GGUF_BAD_TENSOR_OFFSET', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors.at(-1)!.name).offset, u64(2n ** 40n)]]) },
  { id: 'offset-misaligned', part: 'tensor-info', description: 'second tensor data offset + 1', expect: 'rejected', code: 'GGUF_BAD_TENSOR_OFFSET', llamaRisk: 'js-error',
    apply: (c) => patch(c, [[tensorInfoFields(c.file, c.file.tensors[1]!.name).offset, u64(c.file.tensors[1]!.offset + 1)]]) },
  { id: 'offsets-swapped', part: 'tensor-info', description: 'data offsets of tensors 2 and 3 swapped', expect: 'rejected', code: 'GGUF_BAD_TENSOR_OFFSET', llamaRisk: 'js-error',
    apply: (c) => {
      const [a, b] = [c.file.tensors[2]!, c.file.tensors[3]!];
      return patch(c, [[tensorInfoFields(c.file, a.name).offset, u64(b.offset)], [tensorInfoFields(c.file, b.name).offset, u64(a.offset)]]);
    } },
  { id: 'shape-transposed', part: 'tensor-info', description: 'blk.0.ffn_up.weight dims swapped (same size, wrong shape)', expect: 'rejected', code: 'GGUF_WRONG_SHAPE', llamaRisk: 'js-error',
    apply: (c) => { const f = tensorInfoFields(c.file, 'blk.0.ffn_up.weight'); const [d0, d1] = f.tensor.dims; return patch(c, [[f.dims[0]!, u64(d1!)], [f.dims[1]!, u64(d0!)]]); } },
  { id: 'cut-in-tensor-infos', part: 'tensor-info', description: 'file cut in the middle of the tensor infos', expect: 'rejected', code: 'GGUF_TRUNCATED', llamaRisk: 'js-error',
    apply: (c) => truncateTo(c, c.file.tensors[Math.floor(c.file.tensors.length / 2)]!.infoOffset! + 5) },
];
