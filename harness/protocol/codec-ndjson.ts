/**
 * ndjson framing: one JSON object per line ("\n"; a trailing "\r" is tolerated; blank lines are ignored).
 * Every fault is non-fatal: a line over limits.maxFrameBytes is reported as soon as it passes the limit,
 * then discarded up to the next newline, where decoding resumes.
 */
import type { Message, ProtocolLimits } from './messages.ts';
import type { Codec, DecodeResult, FrameDecoder } from './codec.ts';
import { ByteQueue } from './byte-queue.ts';
import { validateMessage } from './validate.ts';
import { vectorFromJson, vectorToJson } from './vectors.ts';

const NEWLINE = 0x0a;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

function encode(msg: Message): Buffer {
  let wire: unknown = msg;
  if (msg.type === 'embedding') wire = { ...msg, vector: vectorToJson(msg.vector) };
  else if (msg.type === 'embeddings') wire = { ...msg, vectors: msg.vectors.map(vectorToJson) };
  return Buffer.from(`${JSON.stringify(wire)}\n`, 'utf8');
}

function recoverId(text: string): number | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown })?.id;
    return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

function decodeLine(line: Buffer): DecodeResult | undefined {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  const bytes = line.subarray(0, end);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const id = recoverId(lenientUtf8.decode(bytes));
    return { fault: { code: 'bad-utf8', message: `line of ${bytes.length} byte(s) is not valid UTF-8`, fatal: false, ...(id === undefined ? {} : { id }) } };
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const head = text.length > 60 ? `${text.slice(0, 60)}...` : text;
    return { fault: { code: 'bad-frame', message: `line is not JSON (${(error as Error).message}): ${JSON.stringify(head)}`, fatal: false } };
  }
  return validateMessage(value, vectorFromJson);
}

class NdjsonDecoder implements FrameDecoder {
  private readonly pending = new ByteQueue();
  private skipping = false;
  constructor(private readonly limits: ProtocolLimits) {}

  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): DecodeResult[] {
    const out: DecodeResult[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const part = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.pending.length + part.length > this.limits.maxFrameBytes) {
        out.push(this.tooLong(this.pending.length + part.length));
        this.pending.clear();
        continue;
      }
      this.pending.push(part);
      const line = this.pending.take(this.pending.length);
      const result = decodeLine(line);
      if (result) out.push('message' in result ? { ...result, bytes: line.length + 1 } : result);
    }
    const rest = chunk.subarray(start);
    if (!this.skipping && rest.length > 0) {
      if (this.pending.length + rest.length > this.limits.maxFrameBytes) {
        out.push(this.tooLong(this.pending.length + rest.length));
        this.pending.clear();
        this.skipping = true;
      } else {
        this.pending.push(rest);
      }
    }
    return out;
  }

  private tooLong(seen: number): DecodeResult {
    return { fault: {
      code: 'bad-frame',
      message: `line longer than the ${this.limits.maxFrameBytes}-byte frame limit (${seen} bytes without a newline so far); skipped to the next newline`,
      fatal: false,
    } };
  }
}

export const ndjsonCodec: Codec = {
  name: 'ndjson',
  encode,
  createDecoder: (limits) => new NdjsonDecoder(limits),
};
