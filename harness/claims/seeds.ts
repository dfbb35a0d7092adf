/** The five seed documents whose figures gauntlet checks (in ../shared/seeds/ next to the checkout). */
import type { ClaimSource, DocumentSource, SeedId } from './types.ts';

export interface SeedDoc { id: SeedId; document: string; title: string; about: string }

export const SEEDS: Record<SeedId, SeedDoc> = {
  '000': { id: '000', document: '000_e73902a6a23a7815.txt', title: 'External Process GGUF Architecture - V8 Crash Prevention', about: 'design of a separate embedder process that memory-maps a 4.3 GB GGUF, behind an MCP server' },
  '001': { id: '001', document: '001_21e0050df77e8592.txt', title: 'External Process Integration Guide', about: 'integration plan, tests and performance targets for that embedder process' },
  '002': { id: '002', document: '002_7dc66c4025fa85f2.txt', title: 'Final Implementation Plan: V8 Crash Elimination', about: 'a streaming in-process GGUF loader meant to avoid large allocations' },
  '003': { id: '003', document: '003_636fbbc55f5390df.txt', title: 'Session Handoff: FastEmbed Segmentation Fault Investigation', about: 'a segfault hunt: concurrent embed calls into one model instance' },
  '004': { id: '004', document: '004_f9770f90d0cd53f5.txt', title: 'Specification: High-Performance IPC for Fast MD-X', about: 'MessagePack over Unix sockets and shared memory instead of NDJSON' },
};

/** A source reference: seed id and the heading of the section that states the figure. */
export function src(seed: SeedId, section: string): ClaimSource {
  return { seed, document: SEEDS[seed].document, section };
}

/**
 * "seed 001 §Latency Targets" — the form VerdictRow.source uses; a config's own claim: "docs/slo.md §latency"
 * (its document as written, then the section when one is given).
 */
export function formatSource(s: ClaimSource | DocumentSource): string {
  if (s.seed === undefined) return s.section ? `${s.document} §${s.section}` : s.document;
  return `seed ${s.seed} §${s.section}`;
}
