/**
 * The supervisor's requests: those queued until an embedder is ready, and those in flight by wire id.
 * Ids are never reused, so an answer from a dead process can never reach a request re-sent to its successor.
 */
import type { Message } from '../protocol/messages.ts';
import { GauntletError } from '../util/errors.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import type { MessageConnection } from '../protocol/connection.ts';
import type { Pending } from './pending.ts';

export class RequestTable {
  private nextId = 1;
  private readonly inflight = new Map<number, Pending>();
  private waiting: Pending[] = [];
  /** Ids that timed out on the live process: their late answers are told apart from stray ids. */
  private readonly expired = new Set<number>();

  /** Requests the caller is waiting for (health pings and the handshake excluded). */
  get publicCount(): number {
    let n = this.waiting.length;
    for (const p of this.inflight.values()) if (!p.internal) n++;
    return n;
  }

  queue(p: Pending): void {
    this.waiting.push(p);
  }

  /** Gives the request a fresh id and writes it; false when the stream refused it. */
  send(p: Pending, generation: number, connection: MessageConnection): boolean {
    if (p.settled) return true;
    const id = this.nextId++;
    p.id = id;
    p.generation = generation;
    this.inflight.set(id, p);
    try {
      connection.send({ v: PROTOCOL_VERSION, id, ...p.body } as Message);
      return true;
    } catch (e) {
      // A frame over the limit is refused before a byte is written: the stream is fine, only this request fails.
      if (e instanceof GauntletError && e.code === 'GAUNTLET_PROTOCOL' && !connection.closed) {
        this.inflight.delete(id);
        p.reject(e);
        return true;
      }
      return false;
    }
  }

  /** The in-flight request an answer belongs to (removed from the table), or undefined. */
  take(id: number): Pending | undefined {
    const p = this.inflight.get(id);
    if (p) this.inflight.delete(id);
    return p;
  }

  /** True (once) when `id` belongs to a request that had timed out. */
  wasExpired(id: number): boolean {
    return this.expired.delete(id);
  }

  markExpired(p: Pending, generation: number): void {
    if (p.id !== undefined && p.generation === generation && this.expired.size < 10_000) this.expired.add(p.id);
  }

  /** A settled request leaves every queue. */
  remove(p: Pending): void {
    if (p.id !== undefined && this.inflight.get(p.id) === p) this.inflight.delete(p.id);
    const i = this.waiting.indexOf(p);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** A new process: forget the old one's timed-out ids. */
  newGeneration(): void {
    this.expired.clear();
  }

  /** Empties the in-flight table, in send order. */
  drainInflight(): Pending[] {
    const all = [...this.inflight.values()];
    this.inflight.clear();
    return all;
  }

  /** Removes and returns the in-flight requests `keep` does not claim, in send order. */
  drainInflightExcept(keep: (p: Pending) => boolean): Pending[] {
    const out: Pending[] = [];
    for (const [id, p] of this.inflight) {
      if (keep(p)) continue;
      this.inflight.delete(id);
      out.push(p);
    }
    return out;
  }

  /** Empties the queue, in arrival order. */
  drainWaiting(): Pending[] {
    const all = this.waiting;
    this.waiting = [];
    return all;
  }

  /** Puts requests back at the head of the queue (retries go first, in their original order). */
  requeueFirst(ps: Pending[]): void {
    this.waiting = [...ps, ...this.waiting];
  }

  /** In-flight requests sent to process `generation` (removed). */
  drainGeneration(generation: number): Pending[] {
    const out: Pending[] = [];
    for (const [id, p] of this.inflight) {
      if (p.generation === generation) {
        this.inflight.delete(id);
        out.push(p);
      }
    }
    return out;
  }
}
