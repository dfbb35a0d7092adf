/**
 * Watches the readiness poll of an http adapter's start and ends it early, naming the fix, when the cause of a
 * start that will never succeed is certain (docs/adapters.md "When it does not start"):
 *
 * - the readiness URL answers 404 for NOT_FOUND_GRACE_MS: the server is up but that path is not a route of it
 *   (`readyUrl`, or gauntlet's default /health);
 * - a server the host started refuses connections at baseUrl while it listens on other ports for
 *   ELSEWHERE_GRACE_MS: it did not take {port}, or baseUrl names the wrong port;
 * - a server nobody started (baseUrl only) refuses connections for REFUSED_GRACE_MS: nothing listens there.
 *
 * Otherwise the poll goes on to its deadline, whose message `atDeadline()` completes with what was seen.
 */
import { GauntletError } from '../util/errors.ts';
import { listeningPorts, outputTails } from '../supervisor/start-diagnosis.ts';
import type { HttpServerProcess } from './http-server.ts';

const NOT_FOUND_GRACE_MS = 500;
const ELSEWHERE_GRACE_MS = 1_500;
export const REFUSED_GRACE_MS = 3_000;
const PORT_CHECK_MS = 250;

type Seen = 'not-found' | 'refused' | 'other';

function classify(e: unknown): Seen {
  for (let cur = e as { code?: unknown; cause?: unknown; message?: unknown; details?: { status?: unknown } } | undefined, depth = 0; cur && depth < 5; cur = cur.cause as typeof cur, depth++) {
    if (cur.code === 'ECONNREFUSED' || (typeof cur.message === 'string' && cur.message.includes('ECONNREFUSED'))) return 'refused';
    if (cur.details?.status === 404 || (typeof cur.message === 'string' && /answered HTTP 404\b/.test(cur.message))) return 'not-found';
  }
  return 'other';
}

export class StartWatch {
  private seen: Seen | 'ok' | undefined;
  private since = 0;
  private refusedAll = true;
  private lastPortCheck = 0;
  private elsewhere: { ports: number[]; since: number } | undefined;
  private readonly t0 = performance.now();

  /**
   * @param baseUrl where the server should answer; @param url the readiness URL polled; @param custom whether it is
   * the config's readyUrl; @param server the process the host started (undefined: a server nobody here started).
   */
  constructor(
    private readonly name: string,
    private readonly baseUrl: string,
    private readonly url: string,
    private readonly custom: boolean,
    private readonly server?: HttpServerProcess,
    private readonly command?: readonly string[],
  ) {}

  /** One poll's outcome: undefined = it answered (503 "loading" included), else the error it failed with. */
  answered(error: unknown): void {
    const now: Seen | 'ok' = error === undefined ? 'ok' : classify(error);
    if (now !== 'refused') this.refusedAll = false;
    if (now !== this.seen) {
      this.seen = now;
      this.since = performance.now();
    }
  }

  /** Throws a terminal GAUNTLET_CONFIG_INVALID when the poll cannot succeed, else returns. */
  check(): void {
    const held = performance.now() - this.since;
    const base = new URL(this.baseUrl);
    if (this.seen === 'not-found' && held >= NOT_FOUND_GRACE_MS) {
      const msg = this.custom
        ? `adapters.${this.name}: the readiness URL ${this.url} answers HTTP 404: the server is up, but that path is not one of its routes; fix readyUrl (a GET it answers 2xx on once it can embed)`
        : `adapters.${this.name}: ${this.url} answers HTTP 404: the server is up but has no /health route, gauntlet's default readiness check; set readyUrl to a GET it answers 2xx on once it can embed (e.g. readyUrl: '${new URL('/v1/models', base).href}')`;
      throw this.terminal(msg);
    }
    if (this.seen !== 'refused') {
      this.elsewhere = undefined;
      return;
    }
    if (!this.server) {
      if (held >= REFUSED_GRACE_MS) {
        throw this.terminal(`adapters.${this.name}: nothing listens at ${this.baseUrl} (connection refused for ${Math.round(held)} ms): start the server before gauntlet runs (gauntlet does not start a server that has only a baseUrl), or give the adapter a command so that the host starts it`);
      }
      return;
    }
    if (performance.now() - this.lastPortCheck < PORT_CHECK_MS) return;
    this.lastPortCheck = performance.now();
    const port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
    const ports = listeningPorts(this.server.proc.pid);
    if (!ports?.length || ports.includes(port)) {
      this.elsewhere = undefined;
      return;
    }
    this.elsewhere ??= { ports, since: performance.now() };
    if (performance.now() - this.elsewhere.since >= ELSEWHERE_GRACE_MS) {
      const takesPort = this.command?.some((w) => w.includes('{port}'));
      throw this.terminal(`adapters.${this.name}: the http server (pid ${this.server.proc.pid}) listens on port ${ports.join(', ')}, not on port ${port} of ${this.baseUrl}: `
        + `${takesPort ? `it was given ${port} as {port} but did not take it (check the option its command passes {port} to)` : 'its command has no {port}: put {port} where the server takes its port'}, or set baseUrl to http://${base.hostname}:${ports[0]}; ${outputTails(this.server.stdoutTail(), this.server.proc.stderrTail())}`);
    }
  }

  /** What the deadline message adds: a refusal all along, the ports the server listened on, what it printed. */
  atDeadline(): string {
    const parts: string[] = [];
    if (this.refusedAll && this.seen === 'refused') {
      parts.push(`connection refused for all ${Math.round(performance.now() - this.t0)} ms: nothing listened at ${this.baseUrl}`);
      const ports = this.server ? listeningPorts(this.server.proc.pid) : undefined;
      if (ports) parts.push(ports.length ? `the server listened on port ${ports.join(', ')}` : 'the server listened on no TCP port');
    }
    if (this.server) parts.push(outputTails(this.server.stdoutTail(), this.server.proc.stderrTail()));
    return parts.length ? `; ${parts.join('; ')}` : '';
  }

  private terminal(message: string): GauntletError {
    return new GauntletError('GAUNTLET_CONFIG_INVALID', message, {
      details: { terminal: true, ...(this.server ? { stderrTail: this.server.proc.stderrTail(), stdoutTail: this.server.stdoutTail() } : {}) },
    });
  }
}
