/**
 * The http transport's fault switches (reference-embedder/faults.ts, those marked `http`): defects an
 * OpenAI-compatible server may have that only its HTTP answers can show, and two legal behaviours a harness must
 * not hold against it. Each is a hook of serveHttp (harness/transport/http-server.ts): the vectors an answer
 * carries, a 503 gate on /v1/embeddings, the body as written, and a worker process started with the server.
 */
import { spawn } from 'node:child_process';
import type { EmbeddingsAnswer } from '../harness/transport/http-server.ts';
import type { ActiveFaults } from './faults.ts';
import { l2normalize } from './service.ts';

export interface HttpFaultHooks {
  /** The vectors an answer carries (http-short-batch, http-normalized). */
  adjust(vectors: Float32Array[]): Float32Array[];
  gate?: () => string | undefined;
  serialize?: (answer: EmbeddingsAnswer) => string;
}

/** A marker no vector value can be: replaced by a bare NaN in the written body. */
const NAN_MARK = '__gauntlet_bare_nan__';

export function httpFaultHooks(faults: ActiveFaults, log: (line: string) => void): HttpFaultHooks {
  const short = faults['http-short-batch'];
  const normalized = faults['http-normalized'] === true;
  const loadingMs = faults['http-loading'];
  const bareNan = faults['http-bare-nan'];
  const reverse = faults['http-reverse-data'] === true;
  let answers = 0;
  const hooks: HttpFaultHooks = {
    adjust(vectors) {
      let out = vectors;
      if (normalized) out = out.map((v) => l2normalize(v));
      if (typeof short === 'number' && out.length > short) {
        log(`fault http-short-batch: answering ${Math.floor(short)} of ${out.length} vectors`);
        out = out.slice(0, Math.floor(short));
      }
      return out;
    },
  };
  if (typeof loadingMs === 'number' && loadingMs > 0) {
    // performance.now() counts from this process's start: every restart loads "again".
    hooks.gate = () => (performance.now() < loadingMs ? `the model is loading (fault http-loading: ${Math.round(loadingMs - performance.now())} ms more)` : undefined);
  }
  if (reverse || (typeof bareNan === 'number' && bareNan >= 1)) {
    hooks.serialize = (answer) => {
      const data = reverse ? [...answer.data].reverse() : answer.data;
      const nan = typeof bareNan === 'number' && bareNan >= 1 && ++answers % Math.floor(bareNan) === 0 && data[0] && data[0].embedding.length > 0;
      if (!nan) return JSON.stringify({ ...answer, data });
      log(`fault http-bare-nan: answer #${answers} written with a bare NaN`);
      const first = { ...data[0]!, embedding: [NAN_MARK as unknown as number, ...data[0]!.embedding.slice(1)] };
      return JSON.stringify({ ...answer, data: [first, ...data.slice(1)] }).replace(`"${NAN_MARK}"`, 'NaN');
    };
  }
  return hooks;
}

/**
 * http-orphan-worker: a worker in a session (and process group) of its own that ignores SIGTERM, SIGHUP and SIGINT
 * and never watches its parent: it outlives the server, as a careless server's background worker does.
 */
export function startOrphanWorker(log: (line: string) => void): void {
  const worker = spawn(process.execPath, ['-e', "process.on('SIGTERM',()=>{});process.on('SIGHUP',()=>{});process.on('SIGINT',()=>{});setInterval(()=>{},1<<30)", 'http-orphan-worker'], { detached: true, stdio: 'ignore' });
  worker.unref();
  log(`fault http-orphan-worker: worker pid ${worker.pid} started in its own session`);
}
