/**
 * The host-side connection figures (host.ipcStats()) as claim metrics:
 *   host.ipc.bufferBytes.max  the most bytes the host's side of the wire held at once (frame reader + write queue);
 *   embed.frameBytesPerDim    what one vector dimension costs on the wire, from two answer frames the host received.
 * Adapters without a connection (in-process) report null with a note saying why.
 */
import type { HostIpcStats } from '../../harness/host/types.ts';
import type { ScenarioContext } from '../../harness/runner/types.ts';

export function recordIpcBuffers(ctx: ScenarioContext, ipc: HostIpcStats): void {
  if (!ipc.applicable) {
    ctx.metric('host.ipc.bufferBytes.max', null);
    ctx.note(`host.ipc.bufferBytes: not applicable: ${ipc.reason}.`);
    return;
  }
  const s = ipc.stats;
  ctx.metric('host.ipc.bufferBytes.max', s.bufferBytesMax);
  ctx.metric('host.ipc.readBufferedBytes.max', s.readBufferedMax);
  ctx.metric('host.ipc.writeQueuedBytes.max', s.writeQueuedMax);
  ctx.metric('host.ipc.frameInBytes.max', s.frameInMax);
  ctx.note(ipc.source === 'stream'
    ? `host.ipc.bufferBytes: high-water mark of the host's frame reader buffer (incomplete frame + chunk being decoded) plus the writable's queue, counted by the host over ${s.framesIn} frames in / ${s.framesOut} out.`
    : `host.ipc.bufferBytes: high-water mark of response bodies the node:http client held until parsed plus request bodies still queued, over ${s.framesIn} responses (socket and parser buffers inside node:http are not counted).`);
}

/**
 * embed.frameBytesPerDim = (bytes of the last 10-vector answer - bytes of the last 1-vector answer) / (9 x dims):
 * the bytes each dimension adds on the wire, with the frame's fixed header (length prefix, id, type...) taken out.
 * The whole single frame divided by dims is reported beside it (embed.frameBytesPerDim.whole): at small dims the
 * fixed ~40-byte header weighs in (0.6 bytes/dim at 64 dims, 0.05 at 768).
 */
export function recordFrameBytesPerDim(ctx: ScenarioContext, ipc: HostIpcStats): void {
  if (!ipc.applicable) {
    ctx.metric('embed.frameBytesPerDim', null);
    ctx.note(`embed.frameBytesPerDim: not applicable: ${ipc.reason}.`);
    return;
  }
  const one = ipc.stats.lastEmbedding;
  const many = ipc.stats.lastEmbeddings;
  ctx.metric('embed.frameBytes', one?.bytes ?? null);
  ctx.metric('embed.frameBytesPerDim.whole', one && one.dims > 0 ? one.bytes / one.dims : null);
  if (!one || !many || many.count < 2 || one.dims === 0 || many.dims !== one.dims) {
    ctx.metric('embed.frameBytesPerDim', null);
    ctx.note(`embed.frameBytesPerDim: needs a single and a multi-vector answer of the same dims; got ${one ? `${one.dims}-dim single` : 'no single'} and ${many ? `${many.count} x ${many.dims}-dim batch` : 'no batch'} answer.`);
    return;
  }
  const perDim = (many.bytes - one.bytes) / ((many.count - 1) * one.dims);
  ctx.metric('embed.frameBytesPerDim', perDim);
  ctx.note(`embed.frameBytesPerDim: (${many.bytes} B for ${many.count} vectors - ${one.bytes} B for 1) / (${many.count - 1} x ${one.dims} dims) = ${perDim.toFixed(3)} bytes/dim; the whole single frame is ${one.bytes} B = ${(one.bytes / one.dims).toFixed(3)} bytes/dim (${ipc.source === 'http-client' ? 'JSON response body' : 'wire frame'}).`);
}
