/**
 * The reference embedder: a node-llama-cpp embedding process that speaks the gauntlet protocol
 * (docs/protocol.md) over stdio, a Unix socket / named pipe, or HTTP. stdout carries protocol frames
 * (stdio) or one ready line (uds, http); every log line goes to stderr.
 */
import { spawn } from 'node:child_process';
import { format } from 'node:util';
import { getCodec } from '../harness/protocol/codec.ts';
import type { MessageConnection } from '../harness/protocol/connection.ts';
import { connectStreams } from '../harness/transport/stream-connection.ts';
import { listenUds } from '../harness/transport/uds.ts';
import { serveHttp } from '../harness/transport/http-server.ts';
import { parseEmbedderArgs, type EmbedderArgs } from './args.ts';
import { describeFaults } from './faults.ts';
import { httpFaultHooks, startOrphanWorker } from './http-faults.ts';
import { createLifecycle, stdinIsPipe, watchParent } from './lifecycle.ts';
import { serveConnection, type StreamServerHooks } from './serve-stream.ts';
import { errorFields, Service } from './service.ts';

/** Start-up milestone: node booted and the protocol side evaluated (node-llama-cpp is imported later, by engine.ts). */
const mainMs = performance.now();

// stdout is the protocol channel: nothing else may print there.
const toStderr = (...a: unknown[]) => { process.stderr.write(`${format(...a)}\n`); };
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
console.warn = toStderr;

const log = (line: string) => { process.stderr.write(`[reference-embedder ${process.pid}] ${line}\n`); };
const life = createLifecycle(log);
process.on('uncaughtException', (e) => { log(`uncaught exception: ${e.stack ?? e.message}`); life.exit(1, 'uncaught exception'); });
process.on('unhandledRejection', (e) => { log(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`); life.exit(1, 'unhandled rejection'); });

let args: EmbedderArgs;
try {
  args = parseEmbedderArgs(process.argv.slice(2), process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
log(`engine ${args.engine}, transport ${args.transport}, codec ${args.codec}, lanes ${args.lanes}, threads ${args.threads}; ${describeFaults(args.faults)}`);

const service = new Service({
  engine: args.engine, mainMs, lanes: args.lanes, threads: args.threads, normalize: args.normalize, contextSize: args.contextSize,
  maxQueue: args.maxQueue, limits: args.limits, faults: args.faults, log,
  // The answer to the request that found the change goes out first; then a supervisor restarts us, and the fresh
  // embedder runs the GGUF check on whatever the file now holds.
  onModelPoisoned: (reason) => void setTimeout(() => life.exit(75, reason), 200),
});
/** ignore-everything: no signal, request, end of stdin or parent death ends us; only SIGKILL does. */
const ignoreEverything = args.faults['ignore-everything'];
const ignoreShutdown = args.faults['ignore-shutdown'] === true || ignoreEverything !== undefined;
if (ignoreEverything !== undefined) {
  // Stay alive without stdin or a peer, and never die of a write to a closed pipe.
  setInterval(() => {}, 1 << 30);
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {}); // the log pipe to a dead host: EPIPE must not become an uncaught error
  process.on('SIGPIPE', () => {});
  process.on('SIGHUP', () => log('fault ignore-everything: ignoring SIGHUP'));
  // Helpers in a session (and process group) of their own: not our group, and reparented once we are gone.
  for (let i = 0; i < Number(ignoreEverything); i++) {
    const helper = spawn(process.execPath, ['-e', "process.on('SIGTERM',()=>{});process.on('SIGHUP',()=>{});process.on('SIGINT',()=>{});setInterval(()=>{},1<<30)", 'ignore-everything-helper'], { detached: true, stdio: 'ignore' });
    helper.unref();
    log(`fault ignore-everything: helper pid ${helper.pid} started in its own session`);
  }
}

/** Longest drain after SIGTERM / SIGINT (docs/protocol.md section 6: exit within 5 s of SIGTERM). */
const SIGTERM_DRAIN_MS = 4000;
let drainOnce: Promise<{ graceful: boolean }> | undefined;
const drain = (): Promise<{ graceful: boolean }> => {
  drainOnce ??= service.drain(args.drainTimeoutMs).then((graceful) => ({ graceful }));
  return drainOnce;
};

/** Close the connection (flushing the ack), then exit 0; bounded so a stuck peer cannot keep us alive. */
const exitAfterAck = (conn: MessageConnection): void => {
  conn.onClose(() => life.exit(0, 'shutdown request'));
  conn.close();
  setTimeout(() => life.exit(0, 'shutdown request (flush timed out)'), 500).unref();
};

const hooks = (conn: () => MessageConnection): StreamServerHooks => ({
  service, faults: args.faults, log,
  shutdown: drain,
  afterShutdownAck: () => exitAfterAck(conn()),
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (ignoreShutdown) { log(`fault ignore-shutdown: ignoring ${signal}`); return; }
    log(`${signal}: draining ${service.inFlight} in-flight request(s)`);
    // Within embedder-exits-on-sigterm's 5 s (docs/protocol.md section 6), whatever --drain-timeout-ms says.
    void service.drain(Math.min(args.drainTimeoutMs, SIGTERM_DRAIN_MS)).then((graceful) => life.exit(0, `${signal}${graceful ? '' : ' (drain timed out)'}`));
  });
}

watchParent(() => (ignoreEverything !== undefined ? log('fault ignore-everything: ignoring the death of the parent process') : life.exit(0, 'parent process died')));

/** stdin ended: the parent let go. Drain briefly (answers still go out on a half-open pipe), then exit. */
const onStdinEnd = (): void => {
  if (ignoreShutdown) { log('fault ignore-shutdown: ignoring the end of stdin'); return; }
  void service.drain(800).then(() => life.exit(0, 'stdin closed'));
};

const loadModelArg = (): void => {
  if (!args.model) return;
  service.initialize(args.model).catch((e: unknown) => {
    log(`loading --model failed: ${errorFields(e).message}`);
    if (args.transport === 'http') life.exit(4, 'the model could not be loaded');
  });
};
// stdio / uds: the runtime (engine.ts: importing node-llama-cpp, then its binary, tested on the first start) starts now, while the
// host's `initialize` is on its way. Not for http: its memory at the ready line must be the memory before loading.
if (args.engine === 'llama' && args.transport !== 'http') void import('./engine.ts').then((m) => m.warmRuntime(log), () => {});
// http: the load starts once the server listens and has printed its ready line (/health answers 503 "loading"
// until it is done), so the process's memory at the ready line is its memory before the model load
// (scenarios/memory-pressure.ts measures the load that way).
if (args.transport !== 'http') loadModelArg();

const codec = getCodec(args.codec);
if (args.transport === 'stdio') {
  const conn = connectStreams(process.stdin, process.stdout, codec, args.limits);
  serveConnection(conn, hooks(() => conn));
  conn.onClose(({ error }) => {
    if (error) void service.drain(800).then(() => life.exit(3, `protocol stream unusable: ${error.message}`));
    else onStdinEnd();
  });
} else {
  if (stdinIsPipe()) {
    process.stdin.on('end', onStdinEnd);
    process.stdin.on('error', onStdinEnd);
    process.stdin.resume();
  }
  if (args.transport === 'uds') {
    const shm = args.shm ? (await import('./serve-shm.ts')).shmConnectionFactory(args.limits, log) : undefined;
    const server = await listenUds(args.socket!, (socket) => {
      const conn = shm ? shm(socket) : connectStreams(socket, socket, codec, args.limits);
      serveConnection(conn, hooks(() => conn));
    });
    process.stdout.write(`${JSON.stringify({ ready: true, socket: server.path, pid: process.pid })}\n`);
  } else {
    const faultHooks = httpFaultHooks(args.faults, log);
    if (args.faults['http-orphan-worker']) startOrphanWorker(log);
    const http = await serveHttp({
      host: args.host, port: args.port, maxBodyBytes: args.limits.maxFrameBytes,
      isReady: () => service.ready && !service.draining,
      modelName: () => service.modelName,
      embed: async (texts) => {
        service.admit();
        service.requests++;
        const vectors = faultHooks.adjust(await service.track(service.embedTexts(texts)));
        return { vectors, promptTokens: service.countTokens(texts) };
      },
      log,
      ...(faultHooks.gate ? { gate: faultHooks.gate } : {}),
      ...(faultHooks.serialize ? { serialize: faultHooks.serialize } : {}),
    });
    process.stdout.write(`${JSON.stringify({ ready: true, port: http.port, host: http.host, pid: process.pid })}\n`);
    loadModelArg();
  }
}
