/**
 * Invalid UTF-8 can only be sent past the codec: a JS string cannot hold it. For process adapters the bytes go
 * through the host's raw write hook as a complete frame with its own request id; the embedder's answer then
 * arrives as an `unmatched-response` lifecycle event (no request of the supervisor waits for that id). For http
 * adapters the body is posted directly to the server the adapter started.
 */
import type { LifecycleEvent } from '../../harness/adapters/types.ts';
import type { HostHandle } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';
import { sleep } from '../../harness/util/deadline.ts';
import { toError } from '../../harness/util/errors.ts';

/** A request id far above the supervisor's counter. */
export const RAW_ID = 0x7fff_ff00;
const BAD = [0x61, 0xff, 0xfe, 0x62]; // "a", two bytes that are never UTF-8, "b"

/** One embed request whose text is invalid UTF-8, framed for the codec. */
export function invalidUtf8Frame(codec: 'msgpack' | 'ndjson', id = RAW_ID): Buffer {
  if (codec === 'ndjson') {
    return Buffer.concat([Buffer.from(`{"v":1,"id":${id},"type":"embed","text":"`), Buffer.from(BAD), Buffer.from('"}\n')]);
  }
  const str = (s: string) => Buffer.concat([Buffer.from([0xa0 | s.length]), Buffer.from(s)]);
  const idBytes = Buffer.alloc(5);
  idBytes[0] = 0xce;
  idBytes.writeUInt32BE(id, 1);
  const payload = Buffer.concat([
    Buffer.from([0x84]), str('v'), Buffer.from([0x01]), str('id'), idBytes, str('type'), str('embed'),
    str('text'), Buffer.from([0xa0 | BAD.length, ...BAD]),
  ]);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(payload.length);
  return Buffer.concat([prefix, payload]);
}

export type RawResult =
  | { kind: 'error' | 'accepted'; detail: string }
  | { kind: 'no-answer'; detail: string }
  | { kind: 'not-applicable'; detail: string };

/** Sends invalid UTF-8 the way the adapter allows and says how the embedder answered. */
export async function sendInvalidUtf8(ctx: ScenarioContext, host: HostHandle, events: LifecycleEvent[], baseUrl: string | undefined): Promise<RawResult> {
  const c = ctx.adapter.config;
  if (c.kind === 'process') {
    const mark = events.length;
    await host.writeRaw(invalidUtf8Frame(c.codec), { signal: ctx.signal });
    const end = performance.now() + 2000;
    while (performance.now() < end) {
      const ev = events.slice(mark).find((e) => e.type === 'unmatched-response' && e.id === RAW_ID);
      if (ev) return { kind: ev.responseType === 'error' ? 'error' : 'accepted', detail: `answered "${String(ev.responseType)}"` };
      await sleep(10, ctx.signal);
    }
    return { kind: 'no-answer', detail: 'no answer with the raw request id within 2 s' };
  }
  if (c.kind === 'http' && baseUrl) {
    const body = Buffer.concat([Buffer.from('{"input":["'), Buffer.from(BAD), Buffer.from('"],"model":"default"}')]);
    try {
      const res = await fetch(new URL('/v1/embeddings', baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ctx.deadline(5000) });
      const text = await res.text();
      return { kind: res.ok ? 'accepted' : 'error', detail: `HTTP ${res.status}: ${text.slice(0, 160)}` };
    } catch (e) {
      return { kind: 'no-answer', detail: toError(e).message };
    }
  }
  return { kind: 'not-applicable', detail: c.kind === 'http' ? 'no server address known' : 'a JS string cannot carry invalid UTF-8 into an in-process model (the lone-surrogate case is the closest)' };
}
