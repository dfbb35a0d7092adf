/**
 * Faults on the model file while an embedder has it mapped: truncate it in place, overwrite it in place (same inode),
 * or replace it by rename (new inode: the mapping keeps the old one). Proof: size and inode before and after.
 */
import { closeSync, openSync, renameSync, statSync, truncateSync, writeSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { epochClock, type FaultClock, type FaultRecord } from './types.ts';

function statOf(file: string): { size: number; ino: number } | null {
  try {
    const s = statSync(file);
    return { size: s.size, ino: s.ino };
  } catch {
    return null;
  }
}

/** Truncates the file in place to `toBytes` (default: half its size). Mapped pages past the end then SIGBUS. */
export function truncateModelFile(file: string, opts: { toBytes?: number; clock?: FaultClock } = {}): FaultRecord {
  const at = (opts.clock ?? epochClock)();
  const before = statOf(file);
  if (!before) return { kind: 'truncate-model', target: file, at, proof: { error: 'file does not exist' }, tookEffect: false };
  const to = opts.toBytes ?? Math.floor(before.size / 2);
  if (!(to >= 0 && to <= before.size)) {
    throw new Error(`truncateModelFile: toBytes must be between 0 and ${before.size}, got ${JSON.stringify(opts.toBytes)}`);
  }
  truncateSync(file, to);
  const after = statOf(file);
  return {
    kind: 'truncate-model', target: file, at,
    proof: { sizeBefore: before.size, sizeAfter: after?.size ?? null, inodeBefore: before.ino, inodeAfter: after?.ino ?? null },
    tookEffect: !!after && after.size === to && after.ino === before.ino,
  };
}

export type ReplaceMode = 'in-place' | 'rename';

/**
 * Replaces the file's contents with `content` (bytes, or the path of another file).
 * 'in-place' writes over the same inode (what a careless copy does); 'rename' writes a sibling then renames it over
 * (what an atomic update does: an existing mapping keeps the old inode).
 */
export function replaceModelFile(
  file: string,
  content: Uint8Array | { fromFile: string },
  opts: { mode?: ReplaceMode; clock?: FaultClock } = {},
): FaultRecord {
  const at = (opts.clock ?? epochClock)();
  const mode = opts.mode ?? 'in-place';
  const before = statOf(file);
  if (!before) return { kind: 'replace-model', target: file, at, proof: { mode, error: 'file does not exist' }, tookEffect: false };
  const bytes = content instanceof Uint8Array ? content : readFileSync(content.fromFile);
  if (mode === 'in-place') {
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, bytes, 0, bytes.length, 0);
      if (bytes.length < before.size) truncateSync(file, bytes.length);
    } finally {
      closeSync(fd);
    }
  } else {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.gauntlet-replace-${process.pid}`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  }
  const after = statOf(file);
  const sameInode = !!after && after.ino === before.ino;
  return {
    kind: 'replace-model', target: file, at,
    proof: { mode, sizeBefore: before.size, sizeAfter: after?.size ?? null, inodeBefore: before.ino, inodeAfter: after?.ino ?? null, bytesWritten: bytes.length },
    tookEffect: !!after && after.size === bytes.length && (mode === 'in-place' ? sameInode : !sameInode),
  };
}
