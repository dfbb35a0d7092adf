/**
 * The host process: what the seeds call "the Node.js process" (an MCP server, an editor extension...).
 * Forked by the orchestrator (harness/host/host-handle.ts) with an IPC channel and --expose-gc; argv[2] is a JSON
 * HostBootConfig. It loads one adapter and obeys HostRequests; it never prints to stdout.
 * If the orchestrator goes away (IPC disconnect), it closes its adapter and exits.
 */
import { createClient } from '../adapters/create-client.ts';
import type { EmbedderClient } from '../adapters/types.ts';
import { withDeadline } from '../util/deadline.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { procRss } from '../util/proc-status.ts';
import type { ConnectionStats } from '../protocol/connection.ts';
import { httpClientStats } from '../transport/http-client.ts';
import type { HostBootConfig, HostErrorPayload, HostIpcStats, HostMemory, HostReply, HostRequest } from './types.ts';

const CLOSE_DEADLINE_MS = 5_000;

function send(message: HostReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

function errorPayload(e: unknown): HostErrorPayload {
  const err = toError(e);
  if (err instanceof GauntletError) return { code: err.code, message: err.message, name: err.name, details: safeDetails(err.details) };
  return { code: 'GAUNTLET_EMBEDDER_ERROR', message: err.message, name: err.name };
}

function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function memory(gc: boolean): HostMemory {
  const g = (globalThis as { gc?: () => void }).gc;
  let gcRan = false;
  if (gc && g) {
    g();
    gcRan = true;
  }
  const m = process.memoryUsage();
  const rss = procRss('self');
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    gcRan,
    ...(rss ?? {}),
  };
}

/** The host's side of the embedder connection: the process adapters' stream counters, the http client's, or why none. */
function ipcStats(client: EmbedderClient): HostIpcStats {
  if (client.kind === 'in-process') {
    return { applicable: false, reason: 'in-process: the model runs inside the host, there is no connection whose buffers could be counted' };
  }
  if (client.kind === 'http') return { applicable: true, source: 'http-client', stats: httpClientStats() };
  const stats = (client as { ipcStats?: () => ConnectionStats | undefined }).ipcStats?.();
  return stats
    ? { applicable: true, source: 'stream', stats }
    : { applicable: false, reason: `adapter "${client.name}" keeps no byte counters for its connection` };
}

async function main(): Promise<void> {
  const boot = JSON.parse(process.argv[2] ?? '{}') as HostBootConfig;
  if (!boot.adapter) throw new GauntletError('GAUNTLET_USAGE', 'host-main: argv[2] must be a JSON HostBootConfig');
  const client: EmbedderClient = await createClient(boot.adapter);
  client.on('lifecycle', (event) => void send({ kind: 'lifecycle', event }));
  let closing: Promise<void> | undefined;
  const closeClient = () => (closing ??= withDeadline(client.close(), CLOSE_DEADLINE_MS, 'adapter close').catch(() => {}));

  async function handle(req: HostRequest): Promise<unknown> {
    const a = req.args ?? {};
    const opts = a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {};
    switch (req.op) {
      case 'start':
        return client.start();
      case 'embed':
        return client.embed(String(a.text ?? ''), opts);
      case 'embed-batch':
        return client.embedBatch(a.texts ?? [], opts);
      case 'ping':
        return client.ping(opts);
      case 'memory':
        return memory(a.gc === true);
      case 'embedder-pid':
        return client.embedderPid() ?? null;
      case 'embedder-stats':
        return (await client.embedderStats(opts)) ?? null;
      case 'ipc-stats':
        return ipcStats(client);
      case 'write-raw':
        if (!client.writeRaw) throw new GauntletError('GAUNTLET_USAGE', `adapter "${client.name}" (${client.kind}) has no byte stream to write raw bytes to`);
        return client.writeRaw(Buffer.from(String(a.bytes ?? ''), 'base64'));
      case 'close-input':
        if (!client.closeInput) throw new GauntletError('GAUNTLET_USAGE', `adapter "${client.name}" (${client.kind}) has no input stream to close`);
        client.closeInput();
        return null;
      case 'close':
        await closeClient();
        return null;
      default:
        throw new GauntletError('GAUNTLET_USAGE', `host: unknown op ${JSON.stringify((req as { op: unknown }).op)}`);
    }
  }

  process.on('message', (raw) => {
    const req = raw as HostRequest;
    handle(req).then(
      async (result) => {
        await send({ kind: 'reply', id: req.id, ok: true, result });
        if (req.op === 'close') process.exit(0);
      },
      (e) => void send({ kind: 'reply', id: req.id, ok: false, error: errorPayload(e) }),
    );
  });
  // The orchestrator is gone: never outlive it.
  process.on('disconnect', () => {
    void closeClient().finally(() => process.exit(0));
  });
  await send({ kind: 'hello', pid: process.pid });
}

process.on('unhandledRejection', (reason) => {
  const payload = errorPayload(reason);
  process.stderr.write(`host: unhandled rejection: ${payload.message}\n`);
  void send({ kind: 'error', error: payload });
});

main().catch(async (e) => {
  const payload = errorPayload(e);
  process.stderr.write(`host: failed to boot: ${payload.message}\n`);
  await send({ kind: 'error', error: payload });
  process.exit(1);
});
