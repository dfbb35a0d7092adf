/**
 * The BERT graph of a GGUF model as an ONNX ModelProto (opset 17), built with onnx-proto (the ONNX schema compiled
 * for protobufjs): token + position (+ token-type) embeddings, embedding layer norm; per layer multi-head
 * self-attention with the attention mask as an additive bias, output projection, residual, layer norm, FFN with
 * the tanh GELU (llama.cpp's form, without its FP16 table), residual, layer norm. nomic-bert's graph has no
 * position table but rotary q/k (NeoX layout, cos/sin tables as initializers) and a SwiGLU FFN (its fused qkv is
 * exported as three projections). Inputs input_ids and
 * attention_mask (and token_type_ids when the model has token-type embeddings), int64 [batch, sequence]; output
 * last_hidden_state, float [batch, sequence, hidden]. Pooling is left to the runtime (transformers.js pools by
 * the mask), as Hugging Face feature-extraction models do.
 */
import onnxProto from 'onnx-proto';
import type { OracleHparams } from './oracle.ts';

export const { onnx } = onnxProto;
export const ONNX_OPSET = 17;
/** ONNX IR version 8 (opset 17 needs IR >= 8; onnx-proto's schema is ONNX 1.10's, IR 8). */
export const ONNX_IR_VERSION = 8;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;

/** A layer's weights in ONNX orientation: matrices [in, out] row-major (ggml's [in, out] is [out][in] in memory). */
export interface OnnxLayerWeights {
  q: Float32Array; qb?: Float32Array; k: Float32Array; kb?: Float32Array; v: Float32Array; vb?: Float32Array;
  o: Float32Array; ob?: Float32Array; attnNormW: Float32Array; attnNormB: Float32Array;
  up: Float32Array; upB?: Float32Array; down: Float32Array; downB?: Float32Array;
  /** SwiGLU's gate (nomic-bert): the FFN is down(silu(x gate) * (x up)). */
  gate?: Float32Array;
  outNormW: Float32Array; outNormB: Float32Array;
}

export interface OnnxModelWeights {
  /** [vocab, E] */
  tokEmbd: Float32Array;
  /** [context, E]; absent for rotary positions (nomic-bert). */
  posEmbd?: Float32Array;
  /** [types, E], when the model has token-type embeddings. */
  typeEmbd?: Float32Array;
  normW: Float32Array;
  normB: Float32Array;
  layers: OnnxLayerWeights[];
}

type Attr = number | number[] | { f: number };

function attribute(name: string, value: Attr): InstanceType<typeof onnx.AttributeProto> {
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: value });
  if (typeof value === 'object') return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value.f });
  return onnx.AttributeProto.create({ name, type: A.INT, i: value });
}

function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Node and initializer lists with generated value names. */
class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private counter = 0;
  private scalars = new Map<string, string>();

  tensor(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new RangeError(`initializer ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
    this.initializers.push(onnx.TensorProto.create({
      name, dims, dataType: data instanceof Float32Array ? FLOAT : INT64, rawData: rawBytes(data),
    }));
    return name;
  }

  /** A float scalar constant, shared by value. */
  scalar(value: number): string {
    const key = `f${value}`;
    let name = this.scalars.get(key);
    if (!name) {
      name = this.tensor(`const_${this.scalars.size}`, [], Float32Array.of(value));
      this.scalars.set(key, name);
    }
    return name;
  }

  ints(name: string, values: number[]): string {
    return this.tensor(name, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push(onnx.NodeProto.create({
      opType, input: inputs, output: [out], name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    }));
    return out;
  }
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}

/** y = x W (+ b), x [.., in], W [in, out]. */
function dense(g: GraphBuilder, x: string, name: string, w: Float32Array, nIn: number, nOut: number, b?: Float32Array): string {
  const y = g.op('MatMul', [x, g.tensor(`${name}.weight`, [nIn, nOut], w)]);
  return b ? g.op('Add', [y, g.tensor(`${name}.bias`, [nOut], b)]) : y;
}

function layerNorm(g: GraphBuilder, x: string, name: string, w: Float32Array, b: Float32Array, eps: number, E: number, output?: string): string {
  return g.op('LayerNormalization', [x, g.tensor(`${name}.weight`, [E], w), g.tensor(`${name}.bias`, [E], b)], { axis: -1, epsilon: { f: eps } }, output);
}

/** 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), GELU's tanh form as llama.cpp computes it. */
function geluTanh(g: GraphBuilder, x: string): string {
  const x3 = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Add', [x, g.op('Mul', [x3, g.scalar(0.044715)])]);
  const t = g.op('Tanh', [g.op('Mul', [inner, g.scalar(Math.sqrt(2 / Math.PI))])]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [t, g.scalar(1)])]);
}

/**
 * Rotary positions on [B, H, S, D] in ggml's NeoX layout: dimension i < D/2 pairs with i + D/2 and turns by
 * position * base^(-2i/D); cos and sin tables [context, D/2] are sliced to the sequence length.
 */
function rope(g: GraphBuilder, x: string, cos: string, sin: string, half: number): string {
  const [x1, x2] = [0, 1].map((j) => g.op('Slice', [x, g.ints(`rope_from_${j}_${g.nodes.length}`, [j * half]), g.ints(`rope_to_${j}_${g.nodes.length}`, [(j + 1) * half]), g.ints(`rope_axis_${j}_${g.nodes.length}`, [-1])]));
  const a = g.op('Sub', [g.op('Mul', [x1!, cos]), g.op('Mul', [x2!, sin])]);
  const b = g.op('Add', [g.op('Mul', [x1!, sin]), g.op('Mul', [x2!, cos])]);
  return g.op('Concat', [a, b], { axis: -1 });
}

export interface BuildGraphOptions {
  hp: OracleHparams;
  vocab: number;
  weights: OnnxModelWeights;
  name: string;
  docString?: string;
}

export function buildBertModel(opts: BuildGraphOptions): InstanceType<typeof onnx.ModelProto> {
  const { hp, weights: w } = opts;
  const E = hp.embedding;
  const H = hp.heads;
  const D = E / H;
  const g = new GraphBuilder();
  const hasTypes = w.typeEmbd !== undefined;

  // embeddings
  let x = g.op('Gather', [g.tensor('embeddings.word_embeddings.weight', [opts.vocab, E], w.tokEmbd), 'input_ids'], { axis: 0 });
  const seqLen = g.op('Shape', ['input_ids'], { start: 1, end: 2 });
  let cos: string | undefined;
  let sin: string | undefined;
  if (w.posEmbd) {
    const posTable = g.tensor('embeddings.position_embeddings.weight', [hp.context, E], w.posEmbd);
    const pos = g.op('Slice', [posTable, g.ints('zero_1d', [0]), seqLen, g.ints('axis0_1d', [0])]);
    x = g.op('Add', [x, pos]);
  } else {
    const half = D / 2;
    const c = new Float32Array(hp.context * half);
    const s = new Float32Array(hp.context * half);
    for (let t = 0; t < hp.context; t++) {
      for (let i = 0; i < half; i++) {
        const th = t * hp.ropeBase ** (-(2 * i) / D);
        c[t * half + i] = Math.cos(th);
        s[t * half + i] = Math.sin(th);
      }
    }
    const slice = (name: string, data: Float32Array) => g.op('Slice', [g.tensor(name, [hp.context, half], data), g.ints(`${name}_from`, [0]), seqLen, g.ints(`${name}_axis`, [0])]);
    cos = slice('rotary.cos', c);
    sin = slice('rotary.sin', s);
  }
  if (hasTypes) {
    const types = w.typeEmbd!.length / E;
    x = g.op('Add', [x, g.op('Gather', [g.tensor('embeddings.token_type_embeddings.weight', [types, E], w.typeEmbd!), 'token_type_ids'], { axis: 0 })]);
  }
  x = layerNorm(g, x, 'embeddings.LayerNorm', w.normW, w.normB, hp.eps, E);

  // attention mask [B, S] -> additive bias [B, 1, 1, S]: 0 where attended, -1e9 where padded
  const maskF = g.op('Cast', ['attention_mask'], { to: FLOAT });
  const bias = g.op('Mul', [g.op('Sub', [g.scalar(1), maskF]), g.scalar(-1e9)]);
  const maskBias = g.op('Unsqueeze', [bias, g.ints('axes_1_2', [1, 2])]);
  const headsShape = g.ints('shape_heads', [0, 0, H, D]);
  const hiddenShape = g.ints('shape_hidden', [0, 0, E]);
  const scale = g.scalar(1 / Math.sqrt(D));

  w.layers.forEach((L, i) => {
    const p = `encoder.layer.${i}`;
    const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm });
    let q = split(dense(g, x, `${p}.attention.self.query`, L.q, E, E, L.qb), [0, 2, 1, 3]); // [B, H, S, D]
    let k: string;
    if (cos && sin) {
      q = rope(g, q, cos, sin, D / 2);
      k = split(dense(g, x, `${p}.attention.self.key`, L.k, E, E, L.kb), [0, 2, 1, 3]);
      k = g.op('Transpose', [rope(g, k, cos, sin, D / 2)], { perm: [0, 1, 3, 2] }); // [B, H, D, S]
    } else {
      k = split(dense(g, x, `${p}.attention.self.key`, L.k, E, E, L.kb), [0, 2, 3, 1]); // [B, H, D, S]
    }
    const v = split(dense(g, x, `${p}.attention.self.value`, L.v, E, E, L.vb), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), maskBias]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), hiddenShape]);
    const attn = dense(g, ctx, `${p}.attention.output.dense`, L.o, E, E, L.ob);
    const h = layerNorm(g, g.op('Add', [attn, x]), `${p}.attention.output.LayerNorm`, L.attnNormW, L.attnNormB, hp.eps, E);
    let up: string;
    if (L.gate) {
      const gate = dense(g, h, `${p}.mlp.gate`, L.gate, E, hp.ffn);
      up = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), dense(g, h, `${p}.intermediate.dense`, L.up, E, hp.ffn, L.upB)]);
    } else {
      up = geluTanh(g, dense(g, h, `${p}.intermediate.dense`, L.up, E, hp.ffn, L.upB));
    }
    const down = dense(g, up, `${p}.output.dense`, L.down, hp.ffn, E, L.downB);
    const last = i === w.layers.length - 1;
    x = layerNorm(g, g.op('Add', [down, h]), `${p}.output.LayerNorm`, L.outNormW, L.outNormB, hp.eps, E, last ? 'last_hidden_state' : undefined);
  });
  if (w.layers.length === 0) x = g.op('Identity', [x], {}, 'last_hidden_state');

  const inputs = [valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']), valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length'])];
  if (hasTypes) inputs.push(valueInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']));
  const graph = onnx.GraphProto.create({
    name: opts.name,
    node: g.nodes,
    initializer: g.initializers,
    input: inputs,
    output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', E])],
  });
  return onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'gauntlet',
    producerVersion: '1',
    docString: opts.docString ?? '',
    graph,
  });
}

export function encodeModel(model: InstanceType<typeof onnx.ModelProto>): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(bytes);
}
