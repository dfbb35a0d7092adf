/**
 * Frame sizes as the adapter's codec writes them, for the `limits.frame.*` metrics. The host does not report the
 * bytes it reads or writes, so these are computed: the exact encoding of the same message with the same codec
 * (MessagePack vectors as Float32 bins, NDJSON with 9 significant digits), which is what the peer puts on the wire
 * apart from the request id's width. Undefined for adapters that have no frames (in-process) or whose framing we
 * do not encode (http: the server's JSON layout is its own).
 */
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import { getCodec } from '../../harness/protocol/codec.ts';
import { PROTOCOL_VERSION, type Message } from '../../harness/protocol/messages.ts';

/** A typical request id width (ids count up from 1; a 32-bit id is the widest the peer would see). */
const ID = 0x7fff_fff0;

function frameBytes(adapter: ResolvedAdapter, msg: Message): number | undefined {
  if (adapter.config.kind !== 'process') return undefined;
  const codec = getCodec(adapter.config.codec);
  const frame = codec.encode(msg);
  return codec.name === 'msgpack' ? frame.length - 4 : frame.length - 1;
}

/** Payload bytes of the embedder's answer carrying these vectors (one: `embedding`, several: `embeddings`). */
export function responseFrameBytes(adapter: ResolvedAdapter, vectors: Float32Array[], single: boolean): number | undefined {
  const msg = single
    ? { v: PROTOCOL_VERSION, id: ID, type: 'embedding' as const, vector: vectors[0]! }
    : { v: PROTOCOL_VERSION, id: ID, type: 'embeddings' as const, vectors };
  return frameBytes(adapter, msg);
}

/** Payload bytes of an embed / embed-batch request (http: the JSON body the client posts). */
export function requestFrameBytes(adapter: ResolvedAdapter, texts: unknown[], single: boolean): number | undefined {
  if (adapter.config.kind === 'http') return Buffer.byteLength(JSON.stringify({ input: texts, model: 'default' }));
  const msg = single
    ? { v: PROTOCOL_VERSION, id: ID, type: 'embed' as const, text: texts[0] as string }
    : { v: PROTOCOL_VERSION, id: ID, type: 'embed-batch' as const, texts: texts as string[] };
  try {
    return frameBytes(adapter, msg);
  } catch {
    return undefined; // a value the codec cannot encode (the non-string cases of bad-input)
  }
}
