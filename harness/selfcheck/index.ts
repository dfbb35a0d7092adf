/** Self-validation: every planted fault of the reference embedder must make a required claim fail. */
export { selfcheckPlan, pickFaults, faultSwitch } from './plan.ts';
export { plantFault, plantedName, cleanAdapter } from './plant.ts';
export { runSelfcheck, planScenarios } from './run-selfcheck.ts';
export { scoreFault, scoreSelfcheck, cleanFailures, selfcheckExitCode } from './score.ts';
export { formatSelfcheck, selfcheckJson } from './format.ts';

export type { PlannedFault } from './plan.ts';
export type { SelfcheckOptions, SelfcheckOutcome, SelfcheckEvent } from './run-selfcheck.ts';
export type { FaultRun, CleanRun, ScenarioOutcome, SelfcheckRow, SelfcheckSummary, CleanFailure } from './score.ts';
