/** GGUF v3 data model shared by the reader, writer, checker, generator and corruption catalogue. */

/** ggml tensor element types (ids as stored in GGUF tensor infos). */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
}

/** GGUF metadata value types (the 13 of the spec). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** A metadata value. 64-bit integers are bigint; arrays hold values of one item type. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** Dimensions, ne0 (fastest varying) first. */
  dims: number[];
  type: GgmlType;
  /** Byte offset from the start of the data section. */
  offset: number;
  /** Bytes of tensor data (without alignment padding). */
  byteSize: number;
  /** Absolute file offset of this tensor's info record (for error reports). */
  infoOffset?: number;
}

/** Where and how one metadata key was stored. */
export interface GgufKvInfo {
  type: GgufValueType;
  /** Item type when `type` is ARRAY. */
  itemType?: GgufValueType;
  /** Absolute file offset of the key's length field. */
  offset: number;
  /** Absolute file offset of the value (after the value-type field). */
  valueOffset: number;
}

export interface GgufFile {
  path: string;
  version: number;
  alignment: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Absolute file offset of the (aligned) data section. */
  dataOffset: number;
  fileSize: number;
  /** Stored type and position of each metadata key (same keys, same order as `metadata`). */
  kvInfo: Map<string, GgufKvInfo>;
}

/** The architectures the generator writes and the oracle runs (llama.cpp's general.architecture names). */
export type Arch = 'bert' | 'nomic-bert' | 'qwen3';
/** How token states become one vector (llama.cpp's pooling types 1 mean, 2 cls, 3 last). */
export type Pooling = 'mean' | 'cls' | 'last';

/** The shape of a synthetic embedding model. */
export interface ModelSpec {
  arch: Arch;
  pooling: Pooling;
  embedding: number;
  layers: number;
  heads: number;
  /** Key/value heads (grouped-query attention when below `heads`; qwen3 only, else = heads). */
  headsKv: number;
  /** Width of one head (embedding / heads except for qwen3, whose q/k/v width is heads * headDim). */
  headDim: number;
  ffn: number;
  context: number;
  vocab: number;
  dtype: import('./dtype.ts').Dtype;
}
