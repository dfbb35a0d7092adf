/** A scenario's timeline as a static SVG: one row per event kind on a shared time axis, a <title> per mark. */
import type { TimelineEvent } from '../schema.ts';
import { xmlText as esc } from '../escape.ts';

export const EVENT_COLORS: Record<TimelineEvent['kind'], string> = {
  fault: '#d97706', crash: '#dc2626', 'host-exit': '#7f1d1d', restart: '#2563eb', spawn: '#64748b', ready: '#16a34a',
  'give-up': '#9333ea', hang: '#b45309', error: '#e11d48', note: '#475569',
};

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
}

/** Renders the events (t in ms) over [0, durationMs]. Returns '' when there is no event. */
export function timelineSvg(events: TimelineEvent[], durationMs: number, width = 640): string {
  const list = (events ?? []).filter((e) => e && Number.isFinite(e.t));
  if (list.length === 0) return '';
  const kinds = [...new Set(list.map((e) => e.kind))];
  const rowH = 18, left = 78, right = 12, top = 8, axisH = 22;
  const height = top + kinds.length * rowH + axisH;
  const end = Math.max(durationMs || 0, ...list.map((e) => e.t), 1);
  const x = (t: number) => left + ((width - left - right) * t) / end;
  const parts: string[] = [];
  parts.push(`<svg class="chart chart-timeline" role="img" aria-label="restart timeline" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">`);
  kinds.forEach((k, i) => {
    const y = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" class="tl-kind">${esc(k)}</text>`);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" class="tl-row"/>`);
  });
  const step = niceStep(end / 1000, 6) * 1000;
  const axisY = top + kinds.length * rowH;
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${axisY}" y2="${axisY}" class="tl-axis"/>`);
  for (let t = 0; t <= end + 1e-9; t += step) {
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" class="tl-axis"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle" class="tl-tick">${+(t / 1000).toFixed(3)}s</text>`);
  }
  for (const e of list) {
    const y = top + kinds.indexOf(e.kind) * rowH + rowH / 2;
    const color = EVENT_COLORS[e.kind] ?? '#475569';
    const tip = `${(e.t / 1000).toFixed(3)} s  ${e.kind}: ${e.label}${e.details ? `  ${JSON.stringify(e.details)}` : ''}`;
    parts.push(`<circle cx="${x(e.t).toFixed(1)}" cy="${y}" r="5" fill="${color}" class="tl-event" data-kind="${esc(e.kind)}"><title>${esc(tip)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
