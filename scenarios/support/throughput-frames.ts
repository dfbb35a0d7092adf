/**
 * Frame sizes as the adapter's codec writes them, for the `limits.frame.*` metrics. The host does not report the
 * bytes it reads or writes, so these are computed: the exact encoding of the same message with the same codec
 * (MessagePack vectors as Float32 bins, NDJSON with 9 significant digits), which is what the peer puts on the wire
 * apart from the request id's width. Undefined for adapters that have no frames (in-process) or whose framing we
 * do not encode (http: the server's JSON layout is its own).
 */
import type { ResolvedAdapter } from '../../harness/adapters/types.ts';
import type { HostIpcStats } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
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

/**
 * limits.frame.sentBytes.max, the largest message the embedder sent: process adapters, the `embeddings` answer
 * carrying `batch` encoded with the adapter's codec (computed, see above); http adapters, the largest response body
 * the host's HTTP client received from the server (counted as received: every answer, /health included); null for
 * in-process (no messages), with a note either way.
 */
export function recordSentFrameBytes(ctx: ScenarioContext, ipc: HostIpcStats, batch: Float32Array[] | undefined): void {
  if (ctx.adapter.config.kind === 'http') {
    const got = ipc.applicable && ipc.source === 'http-client' && ipc.stats.framesIn > 0 ? ipc.stats.frameInMax : undefined;
    ctx.metric('limits.frame.sentBytes.max', got ?? null);
    ctx.note(got !== undefined
      ? `limits.frame.sentBytes: the largest HTTP response body the host received from the server, ${got} B over ${ipc.applicable ? ipc.stats.framesIn : 0} responses (bytes counted as received; headers not counted).`
      : `limits.frame.sentBytes: not measured: ${ipc.applicable ? 'the host\'s HTTP client counted no response' : ipc.reason}.`);
    return;
  }
  const frame = batch ? responseFrameBytes(ctx.adapter, batch, false) : undefined;
  ctx.metric('limits.frame.sentBytes.max', frame ?? null);
  ctx.note(frame !== undefined
    ? `limits.frame.sentBytes: the ${batch!.length}-vector answer encoded with the adapter's codec (${frame} B), not bytes counted on the wire.`
    : `limits.frame.sentBytes: not computed: ${ctx.adapter.config.kind === 'in-process' ? 'the in-process adapter sends no messages' : 'no batch answer to encode'}.`);
}
