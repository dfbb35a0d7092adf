/**
 * What the request ledger (request-ledger.ts) owes claim valid-requests-succeed: whether a request was a valid one,
 * whether its answer was a correct one, and how to say what went wrong.
 *
 * A request is valid unless its sender said otherwise (`HostCallOptions.invalid`: a deliberate edge case such as
 * bad-input's empty text, or a host started on a corrupt model) or it breaks a limit on its face (no text at all,
 * more texts than the adapter's maxBatch where the adapter promises gauntlet's limits). A valid request is excused
 * (not counted) when something the scenario did explains its end: an injected fault shortly before or during it, a
 * crash / restart / hang / give-up / protocol fault / host exit of its host between its send and its end, an
 * embedder that had given up before it was sent, or the caller's own abort. Everything else must end with a
 * correct answer: as many vectors as texts, each of the model's dims, every value finite. A typed error counts
 * against it, except GAUNTLET_OVERLOADED (the embedder's promised back-pressure: a full queue, not a broken answer).
 */
import type { RequestRecord } from './request-ledger.ts';

/** Typed errors that a valid request may end with and still not count (back-pressure the adapter promises). */
const NOT_COUNTED_CODES = new Set(['GAUNTLET_OVERLOADED']);

/** What is wrong with an answer's vectors, or undefined when they are all right. */
export function vectorProblem(vectors: readonly ArrayLike<number>[], dims: number | undefined): string | undefined {
  for (const [i, v] of vectors.entries()) {
    const where = vectors.length > 1 ? `vector ${i}` : 'the vector';
    if (!v || typeof v.length !== 'number' || v.length === 0) return `${where} is empty`;
    if (dims !== undefined && v.length !== dims) return `${where} has ${v.length} dims; the model has ${dims}`;
    for (let k = 0; k < v.length; k++) {
      if (!Number.isFinite(v[k]!)) return `${where} holds a non-finite value (${String(v[k])} at [${k}])`;
    }
  }
  return undefined;
}

/** Why a request is not a valid one on its face (undefined: valid), from its texts and the adapter's limits. */
export function invalidOnItsFace(op: RequestRecord['op'], texts: number, limits: { maxBatch: number; enforced: boolean }): string | undefined {
  if (op === 'embed-batch' && texts === 0) return 'an embed-batch with no text';
  if (op === 'embed-batch' && limits.enforced && texts > limits.maxBatch) return `${texts} texts, over the adapter's maxBatch of ${limits.maxBatch}`;
  return undefined;
}

/** Whether a finished valid request counts against valid-requests-succeed (it did not end with a correct answer). */
export function countsAgainst(r: RequestRecord): boolean {
  if (!r.valid || r.excused !== undefined) return false;
  switch (r.outcome) {
    case 'answered': case 'pending': return false;
    case 'failed': return !NOT_COUNTED_CODES.has(r.code ?? '');
    default: return true; // lost, late, wrong-count, bad-vector
  }
}

/** One line for the report: the request and how it failed. */
export function describeValidFailure(scenario: string, r: RequestRecord): string {
  const what = `${scenario}: ${r.op} request #${r.index}${r.op === 'embed-batch' ? ` (${r.texts} texts)` : ''} at ${(r.sentAt / 1000).toFixed(2)} s`;
  switch (r.outcome) {
    case 'failed': return `${what} failed with ${r.code}: ${(r.message ?? '').slice(0, 300)}`;
    case 'wrong-count': return `${what} was answered with ${r.vectors} vector(s) for ${r.texts} texts`;
    case 'bad-vector': return `${what} was answered with a wrong vector: ${r.problem}`;
    case 'late': return `${what} was answered only after its ${r.deadlineMs} ms deadline${aheadText(r)}`;
    case 'lost': return `${what} had no answer within its ${r.deadlineMs} ms deadline${aheadText(r)}`;
    default: return `${what}: ${r.outcome}`;
  }
}

/** ", late behind N requests in flight (M texts) sent before it", when there were any. */
export function aheadText(r: RequestRecord): string {
  const a = r.ahead;
  if (!a || a.requests === 0) return '';
  return `, late behind ${a.requests} request(s) in flight (${a.texts} text(s)) sent before it to the same host`;
}
