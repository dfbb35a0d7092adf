/** Public surface of the report module: reporters, compare, merge, reading report.json. */
export { createReporters, writeReports, REPORTER_NAMES, DEFAULT_REPORTERS } from './reporters.ts';
export { consoleReporter, renderTextMatrix, formatDuration } from './console-reporter.ts';
export { jsonReporter } from './json-reporter.ts';
export { junitReporter, renderJunit } from './junit-reporter.ts';
export { markdownReporter, renderMarkdown } from './markdown-reporter.ts';
export { htmlReporter, renderReportHtml, thinSeries } from './html-reporter.ts';
export { summarizeVerdicts, EXIT_CODE_MEANING } from './summary.ts';
export { buildMatrix, cellMark, formatValue, headline, MARK_LEGEND } from './matrix.ts';
export { compareReports } from './compare-reports.ts';
export { mergeReports, combineVerdicts } from './merge-reports.ts';
export { readReport, validateReport } from './read-report.ts';
export { sampleReport } from './sample-report.ts';
export { REPORT_SCHEMA_VERSION } from './schema.ts';
export type { Reporter, ReporterSpec, RunStartInfo, ScenarioStartInfo } from './reporter.ts';
export type { Comparison, CompareOptions, CompareRow, Decision, Change } from './compare-reports.ts';
export type { Evaluate, MergeInput } from './merge-reports.ts';
export type { RunReport, ScenarioResult, VerdictRow, Verdict, Severity, LatencySummary, SamplePoint, TimelineEvent, EnvironmentInfo } from './schema.ts';
