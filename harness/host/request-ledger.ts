/**
 * Request accounting for one scenario: every embed / embed-batch a scenario sends through a host ends in one
 * outcome, so that a request the embedder silently never answers is a finding (claim no-request-lost), not a
 * harness error.
 *
 * - answered: a result within the deadline (a batch with as many vectors as texts);
 * - failed: a typed error (the embedder's error answer, a crash, a restart, the caller's abort...);
 * - lost: the deadline passed with no answer while the embedder was up: no crash, restart, hang, protocol fault or
 *   injected fault around it (a SIGSTOPped or killed embedder is the hang / kill scenarios' business);
 * - late: like lost, but the answer came after the deadline (the supervisor's `unmatched-response` with
 *   `late: true` for the same wire id); counted apart;
 * - wrong-count: an embed-batch answered with another number of vectors than texts (counted as lost too);
 * - bad-vector: answered with as many vectors as texts, but one of them is empty, of other dims than the model's,
 *   or holds a non-finite value (the vectors are still handed to the scenario, which may judge them further).
 *
 * Every valid request (request-validity.ts) that is not excused by a fault, a restart or the caller's abort must
 * end answered: the ones that do not are claim valid-requests-succeed's count (LedgerSummary.validFailures).
 *
 * The deadline of a request without its own is the adapter's requestTimeoutMs, capped to a quarter of the time the
 * scenario has left (never under MIN_DEADLINE_MS): a scenario survives several lost requests inside its own limit
 * instead of spending 30 s on each.
 */
import { enforcesLimits, type LifecycleEvent } from '../adapters/types.ts';
import { GauntletError, toError } from '../util/errors.ts';
import { aheadText, countsAgainst, invalidOnItsFace, vectorProblem } from './request-validity.ts';
import type { HostCallOptions, HostHandle } from './types.ts';

/** Shortest deadline the cap gives a request that has none of its own. */
export const MIN_DEADLINE_MS = 2_000;
/**
 * How long after a missed deadline the embedder's fate is watched: the supervisor's on-demand health probe
 * (healthTimeoutMs, 2 s by default) must have had time to declare a hang, or the crash to be reported.
 */
export const SETTLE_WINDOW_MS = 3_000;
/** A fault injected this long before a request was sent still excuses its timeout (a toxic stays on the link). */
const FAULT_SHADOW_MS = 10_000;
const CLOCK_SLACK_MS = 5;
/** Lifecycle events that mean the embedder was not simply up and serving. */
const DISTURBING = new Set(['crash', 'exit', 'hang-detected', 'restart', 'spawn', 'give-up', 'start-failed', 'shutdown', 'protocol-fault', 'embedder-after-host-exit']);
/** Lifecycle events after which the host's embedder is known to be down for good: later requests are excused. */
const DOWN_FOR_GOOD = new Set(['give-up']);

export type RequestOutcome = 'pending' | 'answered' | 'failed' | 'lost' | 'late' | 'wrong-count' | 'bad-vector';

export interface RequestRecord {
  /** 1-based, in the order the scenario sent them. */
  index: number;
  op: 'embed' | 'embed-batch';
  texts: number;
  hostPid: number;
  /** ms since the scenario started (its timeline clock). */
  sentAt: number;
  deadlineMs: number;
  endedAt?: number;
  outcome: RequestOutcome;
  /** The error code of a failed / lost / late request. */
  code?: string;
  message?: string;
  /** The id the request had on the wire to the embedder, when the adapter said (process adapters). */
  wireId?: number;
  /** Vectors in a batch answer of the wrong size. */
  vectors?: number;
  /** Set when the request timed out: decided between failed, lost and late by settle(). */
  timedOut?: boolean;
  /** False for a request its sender marked as a deliberate edge case, or that breaks a limit on its face. */
  valid: boolean;
  /** Why it is not valid (when valid is false). */
  invalid?: string;
  /** What is wrong with the vectors of a bad-vector answer. */
  problem?: string;
  /** Why a valid request that did not end answered is not counted against valid-requests-succeed (settle()). */
  excused?: string;
  /** Requests to the same host sent before this one and still unanswered when it was sent (settle()). */
  ahead?: { requests: number; texts: number };
  /** The caller aborted it (its signal fired): not the embedder's failure. */
  callerAborted?: boolean;
}

export interface LedgerSummary {
  sent: number;
  answered: number;
  failed: number;
  lost: number;
  late: number;
  wrongCount: number;
  /** Answers with an empty, wrong-dims or non-finite vector. */
  badVector: number;
  /** Requests still waiting when the scenario ended (aborted with it; not counted as lost). */
  pending: number;
  /** The lost, late and wrong-count records, in order. */
  problems: RequestRecord[];
  /** Valid requests sent (request-validity.ts). */
  validSent: number;
  /** Valid requests excused by a fault, a restart or the caller's abort. */
  validExcused: number;
  /** Valid, unexcused requests that did not end with a correct answer, in order (valid-requests-succeed). */
  validFailures: RequestRecord[];
}

export interface LedgerClock {
  /** ms since the scenario started. */
  now(): number;
  /** ms the scenario has left before its hard limit. */
  remainingMs(): number;
  /** Timeline times (ms since scenario start) of the faults injected so far. */
  faultTimes(): number[];
}

interface Seen { t: number; type: string; id?: unknown; late?: unknown }

export class RequestLedger {
  readonly records: RequestRecord[] = [];
  private readonly events = new Map<number, Seen[]>();
  private readonly exits = new Map<number, number>();
  private readonly errors = new WeakMap<Error, RequestRecord>();
  private readonly invalidHosts = new Map<number, string>();

  constructor(private readonly clock: LedgerClock & { fromEpoch(ms: number): number }) {}

  /** Starts watching a host's lifecycle (crashes, hangs, late answers); done on its first request if not before. */
  watch(host: HostHandle): void {
    if (this.events.has(host.pid)) return;
    const list: Seen[] = [];
    this.events.set(host.pid, list);
    host.on('lifecycle', (e: LifecycleEvent) => {
      list.push({ t: typeof e.at === 'number' ? this.clock.fromEpoch(e.at) : this.clock.now(), type: e.type, id: e.id, late: e.late });
    });
    void host.exited.then(() => this.exits.set(host.pid, this.clock.now()));
  }

  /** The deadline a call gets: its own, else the adapter's capped to a quarter of the scenario's time left. */
  deadlineFor(host: HostHandle, opts: HostCallOptions | undefined): number {
    if (opts?.timeoutMs !== undefined) return opts.timeoutMs;
    const adapterMs = host.adapter.requestTimeoutMs;
    return Math.min(adapterMs, Math.max(MIN_DEADLINE_MS, Math.floor(this.clock.remainingMs() / 4)));
  }

  embed(host: HostHandle, text: string, opts?: HostCallOptions): Promise<Float32Array> {
    const deadlineMs = this.deadlineFor(host, opts);
    const rec = this.open(host, 'embed', 1, deadlineMs, opts);
    return this.track(rec, host.embed(text, { ...opts, timeoutMs: deadlineMs }), opts, (v) => ({ problem: vectorProblem([v], host.info?.dims) }));
  }

  embedBatch(host: HostHandle, texts: string[], opts?: HostCallOptions): Promise<Float32Array[]> {
    const deadlineMs = this.deadlineFor(host, opts);
    const rec = this.open(host, 'embed-batch', texts.length, deadlineMs, opts);
    return this.track(rec, host.embedBatch(texts, { ...opts, timeoutMs: deadlineMs }), opts, (vs) => {
      if (!Array.isArray(vs)) return { problem: 'the answer is not a list of vectors' };
      if (vs.length !== texts.length) return { count: vs.length };
      return { problem: vectorProblem(vs, host.info?.dims) };
    });
  }

  /** The record of a request whose promise rejected with `error` (identity), if the ledger sent it. */
  recordOf(error: unknown): RequestRecord | undefined {
    return error instanceof Error ? this.errors.get(error) : undefined;
  }

  private open(host: HostHandle, op: RequestRecord['op'], texts: number, deadlineMs: number, opts: HostCallOptions | undefined): RequestRecord {
    if (!this.events.has(host.pid)) this.watch(host);
    const a = host.adapter;
    const invalid = opts?.invalid ?? this.invalidHosts.get(host.pid)
      ?? invalidOnItsFace(op, texts, { maxBatch: a.maxBatch, enforced: a.config ? enforcesLimits(a.config) : false });
    const rec: RequestRecord = {
      index: this.records.length + 1, op, texts, hostPid: host.pid, sentAt: this.clock.now(), deadlineMs, outcome: 'pending',
      valid: invalid === undefined, ...(invalid !== undefined ? { invalid } : {}),
    };
    this.records.push(rec);
    return rec;
  }

  /**
   * Every request to this host is a deliberate edge case (a host started on a corrupt model, say): none counts in
   * valid-requests-succeed. `reason` says why, in the words of the scenario.
   */
  markInvalid(host: HostHandle, reason: string): void {
    this.invalidHosts.set(host.pid, reason);
  }

  private track<T>(rec: RequestRecord, p: Promise<T>, opts: HostCallOptions | undefined, check: (v: T) => { count?: number; problem?: string | undefined }): Promise<T> {
    return p.then(
      (v) => {
        rec.endedAt = this.clock.now();
        const got = check(v);
        if (got.count !== undefined) { rec.outcome = 'wrong-count'; rec.vectors = got.count; }
        else if (got.problem !== undefined) { rec.outcome = 'bad-vector'; rec.problem = got.problem; }
        else rec.outcome = 'answered';
        return v;
      },
      (e: unknown) => {
        const err = toError(e);
        rec.endedAt = this.clock.now();
        rec.outcome = 'failed';
        if (opts?.signal?.aborted) rec.callerAborted = true;
        rec.code = err instanceof GauntletError ? err.code : 'UNTYPED';
        rec.message = err.message;
        if (err instanceof GauntletError && err.code === 'GAUNTLET_TIMEOUT') {
          rec.timedOut = true;
          if (typeof err.details.wireId === 'number') rec.wireId = err.details.wireId;
          err.details.requestIndex = rec.index;
        }
        this.errors.set(err, rec);
        throw err;
      },
    );
  }

  /** ms to wait before settle() can judge every timed-out request (0 when none is recent). */
  settleDelayMs(): number {
    // A request already explained by a fault or a lifecycle event stays explained whatever comes later: only the
    // others need the window (a scenario whose faults ate its requests does not wait for nothing).
    const now = this.clock.now();
    const open = this.records.filter((r) => r.timedOut && r.endedAt !== undefined && !this.disturbed(r, Math.min(now, r.endedAt + SETTLE_WINDOW_MS)));
    const last = Math.max(0, ...open.map((r) => r.endedAt!));
    return last === 0 ? 0 : Math.max(0, last + SETTLE_WINDOW_MS - now);
  }

  /** Why a valid request that did not end answered is not the embedder's failure, or undefined when it is. */
  private excuse(rec: RequestRecord): string | undefined {
    if (rec.callerAborted) return 'aborted by its caller';
    const events = this.events.get(rec.hostPid) ?? [];
    const down = events.find((e) => DOWN_FOR_GOOD.has(e.type) && e.t <= rec.sentAt + CLOCK_SLACK_MS);
    if (down) return `sent after the embedder's ${down.type}`;
    if (this.disturbed(rec, (rec.endedAt ?? rec.sentAt) + SETTLE_WINDOW_MS)) return 'a fault, crash, restart, hang or host exit around it';
    return undefined;
  }

  /** Requests to the same host sent before `rec` and not yet ended when it was sent. */
  private aheadOf(rec: RequestRecord): { requests: number; texts: number } {
    let requests = 0, texts = 0;
    for (const r of this.records) {
      if (r.index >= rec.index) break;
      if (r.hostPid !== rec.hostPid || r.sentAt > rec.sentAt) continue;
      if (r.endedAt === undefined || r.endedAt > rec.sentAt) { requests++; texts += r.texts; }
    }
    return { requests, texts };
  }

  /** Whether a fault, a disturbing lifecycle event or the host's exit falls between the request's send and `to`. */
  private disturbed(rec: RequestRecord, to: number): boolean {
    const events = this.events.get(rec.hostPid) ?? [];
    // Lifecycle stamps are epoch ms, the ledger's clock is performance.now(): a few ms of slack either side.
    const from = rec.sentAt - CLOCK_SLACK_MS;
    const exit = this.exits.get(rec.hostPid);
    return events.some((e) => DISTURBING.has(e.type) && e.t >= from && e.t <= to)
      || this.clock.faultTimes().some((t) => t >= rec.sentAt - FAULT_SHADOW_MS && t <= to)
      || (exit !== undefined && exit <= to);
  }

  /**
   * Decides every timed-out request (lost, late or failed) from what happened around it, and sums up. Call it
   * before the runner closes the hosts: their shutdown must not excuse a request that was lost before it.
   */
  settle(): LedgerSummary {
    for (const rec of this.records) {
      if (!rec.timedOut || rec.endedAt === undefined) continue;
      if (this.disturbed(rec, rec.endedAt + SETTLE_WINDOW_MS)) { rec.outcome = 'failed'; continue; }
      const events = this.events.get(rec.hostPid) ?? [];
      const lateAnswer = rec.wireId !== undefined && events.some((e) => e.type === 'unmatched-response' && e.late === true && e.id === rec.wireId);
      rec.outcome = lateAnswer ? 'late' : 'lost';
    }
    for (const rec of this.records) {
      if (rec.outcome === 'pending' || rec.outcome === 'answered') continue;
      rec.ahead = this.aheadOf(rec);
      if (rec.valid) {
        const why = this.excuse(rec);
        if (why !== undefined) rec.excused = why;
      }
    }
    const count = (o: RequestOutcome) => this.records.filter((r) => r.outcome === o).length;
    const valid = this.records.filter((r) => r.valid);
    return {
      badVector: count('bad-vector'),
      validSent: valid.length,
      validExcused: valid.filter((r) => r.excused !== undefined).length,
      validFailures: valid.filter(countsAgainst),
      sent: this.records.length,
      answered: count('answered'),
      failed: count('failed'),
      lost: count('lost'),
      late: count('late'),
      wrongCount: count('wrong-count'),
      pending: count('pending'),
      problems: this.records.filter((r) => r.outcome === 'lost' || r.outcome === 'late' || r.outcome === 'wrong-count'),
    };
  }
}

/** One line for the report: which request, when, and what became of it. */
export function describeProblem(scenario: string, r: RequestRecord): string {
  const what = `${scenario}: ${r.op} request #${r.index}${r.op === 'embed-batch' ? ` (${r.texts} texts)` : ''} sent at ${(r.sentAt / 1000).toFixed(2)} s to host pid ${r.hostPid}`;
  switch (r.outcome) {
    case 'lost':
      // Busy is not lost: with earlier requests still unanswered, the embedder was working on them, not silent.
      if (r.ahead && r.ahead.requests > 0) return `${what} had no answer within its ${r.deadlineMs} ms deadline${aheadText(r)} (no crash, restart, hang or injected fault around it)${r.wireId !== undefined ? `; wire id ${r.wireId}` : ''}`;
      return `${what} had no answer within its ${r.deadlineMs} ms deadline while the embedder was up (no crash, restart, hang or injected fault around it)${r.wireId !== undefined ? `; wire id ${r.wireId}` : ''}`;
    case 'late': return `${what} was answered only after its ${r.deadlineMs} ms deadline${aheadText(r)}${r.wireId !== undefined ? ` (wire id ${r.wireId})` : ''}`;
    case 'wrong-count': return `${what} was answered with ${r.vectors} vector(s) for ${r.texts} texts`;
    default: return `${what}: ${r.outcome}`;
  }
}
