/** How the reports say which reference judged each adapter's vectors (RunReport.references). */
import type { ReferenceInfo, RunReport } from './schema.ts';

/** "golden file g.json, recorded with llama-server (http) at 2026-12-08T01:02:03Z" / "the oracle (model m.gguf)". */
export function describeReference(r: ReferenceInfo): string {
  const note = r.note ? `; ${r.note}` : '';
  if (r.kind === 'golden') return `golden file ${r.source}, recorded with ${r.engine ?? '?'} (${r.engineKind ?? '?'}) at ${r.recordedAt ?? '?'}${note}`;
  if (r.kind === 'oracle') return `the oracle (gauntlet's forward pass of ${r.source})${note}`;
  return `none${note}`;
}

export function referenceRows(report: RunReport): Array<[adapter: string, text: string]> {
  return (report.references ?? []).map((r) => [r.adapter, describeReference(r)]);
}
