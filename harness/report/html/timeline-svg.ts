/**
 * A scenario's timeline as a static SVG: one row per event kind on a shared time axis, a <title> per mark.
 * Above the rows, a "down" row shows each outage (from a fault, crash or hang to the next `ready`) as a band with
 * its length, so a restart sequence reads without hovering. Faults carry their signal name (SIGKILL, SIGSTOP...).
 */
import type { TimelineEvent } from '../schema.ts';
import { xmlText as esc } from '../escape.ts';

export const EVENT_COLORS: Record<TimelineEvent['kind'], string> = {
  fault: '#d97706', crash: '#dc2626', 'host-exit': '#7f1d1d', restart: '#2563eb', spawn: '#64748b', ready: '#16a34a',
  'give-up': '#9333ea', hang: '#b45309', error: '#e11d48', note: '#475569',
};

/** Rows top to bottom: what went wrong, how the supervisor reacted, then bookkeeping. */
const ROW_ORDER: Array<TimelineEvent['kind']> = ['fault', 'hang', 'crash', 'restart', 'spawn', 'ready', 'give-up', 'error', 'host-exit', 'note'];

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
}

export interface Outage { from: number; to: number; cause: string }

/** A crash the supervisor answers with a restart within this many ms starts an outage (others are a sweep's dead ends). */
const CRASH_RESTART_MS = 1000;

/**
 * Outages: from the first fault or hang after the last `ready` (or a crash that the supervisor restarts at once) to
 * the next `ready`. Open ones are left out, and so are crashes nobody restarts (a stand-in host dying on a corrupt
 * file), which would otherwise join a whole sweep into one long outage.
 */
export function outages(events: readonly TimelineEvent[]): Outage[] {
  const sorted = events.filter((e) => e && Number.isFinite(e.t)).slice().sort((a, b) => a.t - b.t);
  const restarts = sorted.filter((e) => e.kind === 'restart').map((e) => e.t);
  const restarted = (t: number) => restarts.some((r) => r >= t && r - t <= CRASH_RESTART_MS);
  const out: Outage[] = [];
  let down: { t: number; cause: string } | undefined;
  for (const e of sorted) {
    const starts = e.kind === 'fault' || e.kind === 'hang' || (e.kind === 'crash' && restarted(e.t));
    if (starts && !down) down = { t: e.t, cause: shortLabel(e) };
    else if (e.kind === 'ready' && down) { out.push({ from: down.t, to: e.t, cause: down.cause }); down = undefined; }
  }
  return out;
}

/** A fault's signal (from its proof) or the first word of its label. */
export function shortLabel(e: TimelineEvent): string {
  const d = e.details as { proof?: { signal?: unknown }; signal?: unknown } | undefined;
  const signal = d?.proof?.signal ?? d?.signal;
  if (typeof signal === 'string' && signal) return signal;
  return String(e.label ?? e.kind).split(/\s+/)[0] ?? e.kind;
}

function fmtDuration(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Event details for a tooltip, long strings (stderr tails) cut short. */
function detailsText(d: Record<string, unknown> | undefined): string {
  if (!d) return '';
  const s = JSON.stringify(d, (_k, v) => (typeof v === 'string' && v.length > 160 ? `${v.slice(0, 160)}...` : v));
  return s.length > 600 ? `${s.slice(0, 600)}...` : s;
}

/** Renders the events (t in ms) over [0, durationMs]. Returns '' when there is no event. */
export function timelineSvg(events: TimelineEvent[], durationMs: number, width = 640): string {
  const list = (events ?? []).filter((e) => e && Number.isFinite(e.t));
  if (list.length === 0) return '';
  const present = new Set(list.map((e) => e.kind));
  const kinds = [...ROW_ORDER.filter((k) => present.has(k)), ...[...present].filter((k) => !ROW_ORDER.includes(k))];
  const downs = outages(list);
  const rows = [...(downs.length ? ['down'] : []), ...kinds];
  const rowH = 18, left = 78, right = 12, top = 8, axisH = 22;
  const height = top + rows.length * rowH + axisH;
  const end = Math.max(durationMs || 0, ...list.map((e) => e.t), 1);
  const x = (t: number) => left + ((width - left - right) * t) / end;
  const rowY = (name: string) => top + rows.indexOf(name) * rowH + rowH / 2;
  const parts: string[] = [];
  parts.push(`<svg class="chart chart-timeline" role="img" aria-label="timeline of lifecycle events and faults" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">`);
  rows.forEach((k) => {
    const y = rowY(k);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" class="tl-kind">${esc(k)}</text>`);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" class="tl-row"/>`);
  });
  const step = niceStep(end / 1000, 6) * 1000;
  const axisY = top + rows.length * rowH;
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${axisY}" y2="${axisY}" class="tl-axis"/>`);
  for (let t = 0; t <= end + 1e-9; t += step) {
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" class="tl-axis"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle" class="tl-tick">${+(t / 1000).toFixed(3)}s</text>`);
  }
  if (downs.length) {
    const y = rowY('down');
    downs.forEach((o, i) => {
      const x0 = x(o.from), w = Math.max(2, x(o.to) - x0);
      const text = fmtDuration(o.to - o.from);
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y - 6}" width="${w.toFixed(1)}" height="12" rx="2" class="tl-down"><title>${esc(`down ${text}: ${o.cause} at ${(o.from / 1000).toFixed(3)} s, ready again at ${(o.to / 1000).toFixed(3)} s`)}</title></rect>`);
      const inside = w >= text.length * 6 + 6;
      // Outside the band only where it fits before the next band (the tooltip always has it).
      const roomAfter = (i + 1 < downs.length ? x(downs[i + 1].from) : width - right) - (x0 + w);
      if (!inside && roomAfter < text.length * 6 + 6) return;
      parts.push(`<text x="${(inside ? x0 + w / 2 : x0 + w + 3).toFixed(1)}" y="${y + 4}" text-anchor="${inside ? 'middle' : 'start'}" class="tl-down-label${inside ? ' in' : ''}">${esc(text)}</text>`);
    });
  }
  let lastFaultLabelEnd = -Infinity;
  const faultXs = list.filter((e) => e.kind === 'fault').map((e) => x(e.t)).sort((a, b) => a - b);
  for (const e of list.slice().sort((a, b) => a.t - b.t)) {
    const y = rowY(e.kind);
    const color = EVENT_COLORS[e.kind] ?? '#475569';
    const tip = `${(e.t / 1000).toFixed(3)} s  ${e.kind}: ${e.label}${e.details ? `  ${detailsText(e.details)}` : ''}`;
    parts.push(`<circle cx="${x(e.t).toFixed(1)}" cy="${y}" r="5" fill="${color}" class="tl-event" data-kind="${esc(e.kind)}"><title>${esc(tip)}</title></circle>`);
    if (e.kind === 'fault') {
      const label = shortLabel(e);
      const lx = x(e.t) + 7;
      // A label is written only where it fits before the next fault's dot and after the previous label.
      const nextDot = faultXs.find((fx) => fx > x(e.t) + 0.5) ?? width;
      if (lx > lastFaultLabelEnd && lx + label.length * 6 < Math.min(width, nextDot - 5)) {
        parts.push(`<text x="${lx.toFixed(1)}" y="${y + 4}" class="tl-fault-label">${esc(label)}</text>`);
        lastFaultLabelEnd = lx + label.length * 6 + 4;
      }
    }
  }
  parts.push('</svg>');
  return parts.join('');
}
