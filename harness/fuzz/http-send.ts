/**
 * Sends one fuzz request (harness/fuzz/http-requests.ts) on a TCP connection of its own and says how it ended:
 * the status code of the answer, or what happened instead (no-answer, closed, a socket error code).
 */
import net from 'node:net';
import type { FuzzHttpRequest } from './http-requests.ts';

/** Longest a slow client trickles before it gives up and closes. */
const SLOW_MAX_MS = 1500;
/** A request still unanswered this long after it was written gets the end of the client's side (half-close). */
const EOF_AFTER_MS = 150;

/** Sends one request on a fresh connection; resolves with the status line's code, or what ended it instead. */
export function sendRawHttp(host: string, port: number, req: Pick<FuzzHttpRequest, 'bytes' | 'slow'>, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let head = '';
    let settled = false;
    const finish = (what: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(what);
    };
    const timer = setTimeout(() => finish(head ? statusOf(head) : 'no-answer'), req.slow ? SLOW_MAX_MS + timeoutMs : timeoutMs);
    sock.on('error', (e: NodeJS.ErrnoException) => finish(head ? statusOf(head) : (e.code ?? 'error')));
    // The status line is all we need: a server that keeps the connection open after answering costs no wait.
    sock.on('data', (d: Buffer) => {
      if (head.length < 64) head += d.toString('latin1');
      if (head.includes('\r\n')) finish(statusOf(head));
    });
    sock.on('end', () => finish(head ? statusOf(head) : 'closed'));
    sock.on('connect', () => {
      // One request; no answer within EOF_AFTER_MS (a server waiting for the rest of an incomplete request): our side ends.
      if (!req.slow) {
        sock.write(req.bytes);
        setTimeout(() => { if (!head && !settled) sock.end(); }, EOF_AFTER_MS);
        return;
      }
      const { pieceBytes, delayMs, stallMs } = req.slow;
      const start = performance.now();
      let at = 0;
      const step = () => {
        if (settled) return;
        if (at >= req.bytes.length || performance.now() - start > SLOW_MAX_MS) {
          setTimeout(() => { if (!head) finish('slow-client-closed'); }, stallMs);
          return;
        }
        sock.write(req.bytes.subarray(at, at + pieceBytes));
        at += pieceBytes;
        setTimeout(step, delayMs);
      };
      step();
    });
  });
}

function statusOf(head: string): string {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return m ? m[1]! : 'not-http';
}

