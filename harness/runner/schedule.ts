/**
 * The order runs start in. With one lane: the plan's order (scenario-major). With more: every run that must have
 * the machine to itself first, in the plan's order, then every overlap run in one stretch, longest first, so that
 * the lanes finish together instead of one long run (corrupt-gguf on in-process, ~20 s) ending the stretch alone.
 * "Longest" is the run's wall time in the last run on this machine (the durations file in the cache, as vitest
 * orders test files by their last duration); a run never timed goes first, as it may be long. Reports keep the
 * plan's order whatever the start order was.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AnyScenario } from './types.ts';

export interface Schedulable { scenario: AnyScenario; adapter: { name: string } }

/** Key of a run in the durations file: quick and full sizes take different times. */
export function durationKey(scenario: string, adapter: string, quick: boolean): string {
  return `${quick ? 'quick' : 'full'}:${scenario}/${adapter}`;
}

/** Plan indexes in start order (see the file comment). */
export function startOrder(plan: readonly Schedulable[], lanes: number, quick: boolean, durations: ReadonlyMap<string, number>): number[] {
  const all = plan.map((_, i) => i);
  if (lanes <= 1) return all;
  const alone = all.filter((i) => plan[i]!.scenario.overlap !== true);
  const est = (i: number) => durations.get(durationKey(plan[i]!.scenario.id, plan[i]!.adapter.name, quick)) ?? Number.POSITIVE_INFINITY;
  // Array.prototype.sort is stable: runs of equal estimate (never timed) keep the plan's order.
  const overlap = all.filter((i) => plan[i]!.scenario.overlap === true).sort((a, b) => est(b) - est(a));
  return [...alone, ...overlap];
}

/** The durations file's runs (key -> wall ms); empty when absent or unreadable (it only orders runs). */
export function readDurations(file: string | undefined): Map<string, number> {
  if (!file) return new Map();
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { runs?: Record<string, unknown> };
    return new Map(Object.entries(data.runs ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0));
  } catch {
    return new Map();
  }
}

/** Merges this run's wall times into the file (written whole through a temporary file; failures are ignored). */
export function writeDurations(file: string | undefined, measured: ReadonlyMap<string, number>): void {
  if (!file || measured.size === 0) return;
  try {
    const runs = Object.fromEntries([...readDurations(file), ...measured].map(([k, v]) => [k, Math.round(v)]));
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ note: 'wall time of each scenario x adapter run in the last run here; gauntlet run only orders overlapping runs by it (longest first)', runs }, null, 1)}\n`);
    renameSync(tmp, file);
  } catch {
    // Only the start order of a later run depends on it.
  }
}
