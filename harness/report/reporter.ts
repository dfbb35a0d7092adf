import type { RunReport, ScenarioResult } from './schema.ts';

/** What a reporter learns when a run begins. */
export interface RunStartInfo {
  seed: number;
  command: string;
  quick: boolean;
  adapters: string[];
  /** Scenario ids in run order. */
  scenarios: string[];
  /** Scenario x adapter runs planned (for progress and ETA). */
  totalRuns: number;
  shard?: { index: number; count: number };
  startedAt?: string;
}

/** What a reporter learns when one scenario starts against one adapter. */
export interface ScenarioStartInfo {
  scenario: string;
  title: string;
  adapter: string;
  /** 0-based position of this run in the plan (the reports' order) among RunStartInfo.totalRuns. */
  index: number;
  /** 1-based count of runs started so far, this one included (with lanes, overlap runs start in another order). */
  ordinal?: number;
  total: number;
}

/**
 * A reporter plug-in (vitest style): every hook is optional. The engine calls the hooks; only reporters write
 * to files or to the console. onRunEnd resolves to the absolute paths of the files it wrote.
 */
export interface Reporter {
  readonly name: string;
  onRunStart?(info: RunStartInfo): void;
  onScenarioStart?(info: ScenarioStartInfo): void;
  onScenarioEnd?(result: ScenarioResult): void;
  onRunEnd?(report: RunReport, outDir: string): Promise<string[]>;
}

/** A reporter named alone, or [name, options], or a ready Reporter object. */
export type ReporterSpec = string | [string, Record<string, unknown>] | Reporter;
