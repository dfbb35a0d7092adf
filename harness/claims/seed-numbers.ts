/**
 * Finding the numbers with units in the seed documents, so that a test can prove every target figure is covered
 * by a claim, and the short list of figures that are deliberately not claims (each with its reason).
 */
import type { Claim, SeedId } from './types.ts';

export type QuantityFamily = 'time' | 'bytes' | 'percent' | 'times' | 'rate' | 'byte-rate';
export interface Quantity { text: string; family: QuantityFamily; value: number }

const UNIT_TABLE: Array<[RegExp, QuantityFamily, number]> = [
  [/^GB\/(sec|s)$/, 'byte-rate', 1e9],
  [/^MB\/(sec|s)$/, 'byte-rate', 1e6],
  [/^(req|texts|msg|ops)?\/(sec|s)$/, 'rate', 1],
  [/^(ms)$/, 'time', 1],
  [/^(µs|us)$/, 'time', 0.001],
  [/^(s|secs?|seconds?)$/, 'time', 1000],
  [/^(minutes?|min)$/, 'time', 60_000],
  [/^(hours?)$/, 'time', 3_600_000],
  [/^KiB$/, 'bytes', 1024],
  [/^MiB$/, 'bytes', 1024 ** 2],
  [/^GiB$/, 'bytes', 1024 ** 3],
  [/^KB$/, 'bytes', 1e3],
  [/^MB$/, 'bytes', 1e6],
  [/^GB$/, 'bytes', 1e9],
  [/^%$/, 'percent', 1],
  [/^x$/, 'times', 1],
];

const NUM = String.raw`(\d[\d,_]*(?:\.\d+)?)(K)?`;
const UNIT = String.raw`(GB\/sec|GB\/s|MB\/sec|MB\/s|req\/sec|req\/s|texts\/sec|texts\/s|msg\/sec|msg\/s|\/sec|\/s|ms|µs|us|seconds?|secs?|minutes?|hours?|KiB|MiB|GiB|KB|MB|GB|%|x|s)`;
const QUANTITY = new RegExp(String.raw`(?<![A-Za-z0-9_.])${NUM}(?:\s*[-–]\s*${NUM})?\s*${UNIT}(?![A-Za-z0-9])`, 'g');

/** Lines that state a bound or a target. */
export const TARGET_MARKER = /<|>|≤|≥|^\s*\|.*\|\s*$|target|max|limit|timeout|reduc|improv|at most|at least|within|configurable|wait \d/i;

function toValue(digits: string, k: string | undefined): number {
  return Number(digits.replace(/[,_]/g, '')) * (k ? 1000 : 1);
}

/** Every number-with-unit in a piece of text; a range "50-70%" gives both ends. */
export function extractQuantities(text: string): Quantity[] {
  const out: Quantity[] = [];
  for (const m of text.matchAll(QUANTITY)) {
    const unit = m[5]!;
    const entry = UNIT_TABLE.find(([re]) => re.test(unit));
    if (!entry) continue;
    const [, family, factor] = entry;
    out.push({ text: m[0], family, value: toValue(m[1]!, m[2]) * factor });
    if (m[3]) out.push({ text: m[0], family, value: toValue(m[3], m[4]) * factor });
  }
  return out;
}

export function sameQuantity(a: Quantity, b: Quantity): boolean {
  if (a.family !== b.family) return false;
  return Math.abs(a.value - b.value) <= 1e-9 * Math.max(1, Math.abs(a.value), Math.abs(b.value));
}

/** Figures in the seeds, on lines that look like targets, that are deliberately not claims. */
export interface NonTarget { seed: SeedId; quantity: string; reason: string }

export const NON_TARGET_NUMBERS: NonTarget[] = [
  { seed: '002', quantity: '64KB', reason: 'a limit on stack allocations inside a Rust loader; stack frames are not observable from outside the process (the heap and RSS figures of the same table are claims)' },
  { seed: '004', quantity: '10KB', reason: 'the size above which the seed\'s transport switches to zero-copy: a design choice, not a figure to measure (gauntlet\'s shm link sends every payload through its ring, whatever its size)' },
  { seed: '004', quantity: '10-50MB', reason: 'the configurable size of a shared-memory pool: a setting, not a target (gauntlet\'s shm rings are sized per link; the memory a connection costs is claim shm-per-connection-under-1mb)' },
  { seed: '004', quantity: '20%', reason: 'the shared-memory row of the comparison table (CPU share against NDJSON\'s 100%): the bench times round trips, it does not split CPU by transport; the same row\'s 0.05ms and 100K/sec are claims' },
];

/** All text of a claim in which a seed figure may appear. */
export function claimText(c: Claim): string {
  const parts = [c.title, c.stated, c.threshold, c.baseline ?? '', ...(c.preconditions ?? []).map((p) => `${p.threshold} ${p.why}`)];
  if (c.kind === 'thesis') parts.push(c.statement, c.refutedMeans);
  return parts.join('\n');
}

export interface SeedFigure { seed: SeedId; line: number; lineText: string; quantity: Quantity }

/** Target-looking figures of one seed document's text. */
export function seedTargetFigures(seed: SeedId, text: string): SeedFigure[] {
  const out: SeedFigure[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    if (!TARGET_MARKER.test(lineText)) return;
    for (const q of extractQuantities(lineText)) out.push({ seed, line: i + 1, lineText: lineText.trim(), quantity: q });
  });
  return out;
}

/** The figures of a seed that no claim from that seed states and that are not allow-listed. */
export function uncoveredFigures(figures: readonly SeedFigure[], claims: readonly Claim[]): SeedFigure[] {
  return figures.filter((f) => {
    const fromSeed = claims.filter((c) => c.source.seed === f.seed || (c.alsoIn ?? []).some((s) => s.seed === f.seed));
    const covered = fromSeed.some((c) => extractQuantities(claimText(c)).some((q) => sameQuantity(q, f.quantity)));
    if (covered) return false;
    return !NON_TARGET_NUMBERS.some((n) => n.seed === f.seed && extractQuantities(n.quantity).some((q) => sameQuantity(q, f.quantity)));
  });
}
