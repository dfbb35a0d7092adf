/**
 * Serves the protocol on one MessageConnection (stdio, or one accepted Unix-socket connection).
 * Stream-level fault switches live here: hang-after (stop answering), swap-ids (cross the ids of two
 * concurrent answers) and drop-every (never answer every Nth embed request, pings still answered).
 */
import type { MessageConnection, ProtocolFault } from '../harness/protocol/connection.ts';
import { PROTOCOL_VERSION, type Message, type Request, type Response } from '../harness/protocol/messages.ts';
import { errorFields, EngineError, type Service } from './service.ts';
import type { ActiveFaults } from './faults.ts';

export interface StreamServerHooks {
  service: Service;
  faults: ActiveFaults;
  log: (line: string) => void;
  /** Called for a `shutdown` request: drain, then resolve with graceful; the caller exits after the ack is written. */
  shutdown: () => Promise<{ graceful: boolean }>;
  /** The ack for `shutdown` was written: exit now. */
  afterShutdownAck: () => void;
}

const REQUEST_TYPES = new Set(['initialize', 'embed', 'embed-batch', 'ping', 'stats', 'shutdown']);
/** A held answer waits for the next concurrent one; this only bounds the wait if that one never comes. */
const SWAP_HOLD_MS = 5_000;
/** crash-on-rare-frame: the validator's words for an embed-batch text that arrived as MessagePack `bin`. */
export const RARE_FRAME = /^field "texts\[\d+\]": expected a string, got binary of/;

export function serveConnection(conn: MessageConnection, hooks: StreamServerHooks): void {
  const { service, faults, log } = hooks;
  let answered = 0;
  let pendingEmbeds = 0;
  let held: { res: Response; timer: NodeJS.Timeout } | undefined;
  const hangAfter = typeof faults['hang-after'] === 'number' ? faults['hang-after'] : undefined;
  const dropEvery = typeof faults['drop-every'] === 'number' && faults['drop-every'] >= 1 ? Math.floor(faults['drop-every']) : undefined;
  let embedsSeen = 0;

  const write = (res: Response): void => {
    try {
      conn.send(res);
    } catch (error) {
      const { message } = errorFields(error);
      log(`could not send ${res.type} for id ${res.id}: ${message}`);
      if (res.type !== 'error') {
        try { conn.send({ v: PROTOCOL_VERSION, id: res.id, type: 'error', code: 'internal', message, retryable: false }); } catch { /* closed */ }
      }
    }
  };

  const send = (res: Response): void => {
    const isEmbedAnswer = res.type === 'embedding' || res.type === 'embeddings' || (res.type === 'error' && res.id !== 0);
    if (faults['swap-ids'] && isEmbedAnswer) {
      if (held) {
        clearTimeout(held.timer);
        const first = held.res;
        held = undefined;
        log(`fault swap-ids: answering id ${first.id} as ${res.id} and ${res.id} as ${first.id}`);
        write({ ...res, id: first.id } as Response);
        write({ ...first, id: res.id } as Response);
        return;
      }
      if (pendingEmbeds > 0) {
        held = { res, timer: setTimeout(() => { const h = held; held = undefined; if (h) write(h.res); }, SWAP_HOLD_MS) };
        return;
      }
    }
    write(res);
  };

  const error = (id: number, e: unknown): Response => ({ v: PROTOCOL_VERSION, id, type: 'error', ...errorFields(e) });

  const handle = async (req: Request): Promise<Response | undefined> => {
    switch (req.type) {
      case 'ping': return { v: PROTOCOL_VERSION, id: req.id, type: 'pong' };
      case 'stats': return { v: PROTOCOL_VERSION, id: req.id, type: 'stats', ...service.stats() };
      case 'initialize': {
        if (service.draining) throw new EngineError('shutting-down', 'the embedder is shutting down', true);
        const info = await service.initialize(req.modelPath, req.options);
        return { v: PROTOCOL_VERSION, id: req.id, type: 'initialized', ...info };
      }
      case 'embed': {
        service.admit();
        const [vector] = await service.embedTexts([req.text]);
        return { v: PROTOCOL_VERSION, id: req.id, type: 'embedding', vector: vector! };
      }
      case 'embed-batch': {
        service.admit();
        const vectors = await service.embedTexts(req.texts);
        return { v: PROTOCOL_VERSION, id: req.id, type: 'embeddings', vectors };
      }
      case 'shutdown': {
        if (faults['ignore-shutdown'] || faults['ignore-everything'] !== undefined) {
          log(`fault ${faults['ignore-shutdown'] ? 'ignore-shutdown' : 'ignore-everything'}: ignoring the shutdown request`);
          return undefined;
        }
        const { graceful } = await hooks.shutdown();
        write({ v: PROTOCOL_VERSION, id: req.id, type: 'shutdown-ack', graceful });
        hooks.afterShutdownAck();
        return undefined;
      }
    }
  };

  conn.onMessage((msg: Message) => {
    service.requests++;
    if (hangAfter !== undefined && answered >= hangAfter) {
      if (answered === hangAfter) log(`fault hang-after: ${hangAfter} requests answered, answering nothing more`);
      answered++;
      return;
    }
    answered++;
    if (!REQUEST_TYPES.has(msg.type)) {
      send(error(msg.id, new EngineError('bad-request', `"${msg.type}" is a response type; the embedder takes requests only`)));
      return;
    }
    const req = msg as Request;
    const isEmbed = req.type === 'embed' || req.type === 'embed-batch';
    if (isEmbed && dropEvery !== undefined && ++embedsSeen % dropEvery === 0) {
      log(`fault drop-every: dropping ${req.type} id ${req.id} (embed request ${embedsSeen} of this connection), no answer will follow`);
      return;
    }
    if (isEmbed) pendingEmbeds++;
    const work = req.type === 'shutdown' ? handle(req) : service.track(handle(req));
    work.then(
      (res) => { if (isEmbed) pendingEmbeds--; if (res) send(res); },
      (e: unknown) => { if (isEmbed) pendingEmbeds--; send(error(req.id, e)); },
    );
  });

  conn.onFault((fault: ProtocolFault) => {
    log(`protocol fault (${fault.code}${fault.fatal ? ', fatal' : ''}): ${fault.message}`);
    if (faults['crash-on-rare-frame'] && RARE_FRAME.test(fault.message)) {
      log('fault crash-on-rare-frame: an embed-batch text sent as binary; raising SIGSEGV');
      process.kill(process.pid, 'SIGSEGV');
      return;
    }
    const retryable = false;
    write({ v: PROTOCOL_VERSION, id: fault.id ?? 0, type: 'error', code: fault.code, message: fault.message, retryable });
  });
}
