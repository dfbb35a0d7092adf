/**
 * Fault injector for shared-memory regions (harness/transport/shm-region.ts): finds the regions an embedder owns
 * and damages one the way a buggy writer, a stray process or a full tmpfs would: a wrong header word, a ring offset
 * or size that points outside the region, a record length past its ring, one flipped payload byte, or the file cut
 * short under the live mappings (every access past the new end is SIGBUS in a process that touches it directly).
 * The host must answer each with a typed error and stay alive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_OFFSET, HEADER_BYTES, RECORD_HEAD_BYTES, SHM_DIR, SHM_PREFIX } from '../transport/shm-region.ts';
import { GauntletError } from '../util/errors.ts';

export const SHM_CORRUPTIONS = ['header-magic', 'header-size', 'ring-offset', 'ring-size', 'record-length', 'payload-byte', 'truncate'] as const;
export type ShmCorruption = (typeof SHM_CORRUPTIONS)[number];

/** The regions `ownerPid` created (gauntlet-shm-<pid>-*), newest first. */
export function findShmRegions(ownerPid: number, dir = SHM_DIR): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(`${SHM_PREFIX}${ownerPid}-`))
    .map((n) => path.join(dir, n))
    .map((f) => ({ f, t: safeMtime(f) }))
    .sort((a, b) => b.t - a.t)
    .map((x) => x.f);
}

function safeMtime(f: string): number {
  try { return fs.statSync(f).mtimeMs; } catch { return 0; }
}

export interface ShmCorruptionRecord { file: string; kind: ShmCorruption; offset: number; detail: string }

/**
 * Damages `file` in place. `record` (record-length, payload-byte): the record's offset inside ring `ring`
 * (default the first record of ring 0, the owner's ring). Throws GAUNTLET_USAGE on an unknown kind or a missing file.
 */
export function corruptShmRegion(file: string, kind: ShmCorruption, opts: { ring?: 0 | 1; record?: number } = {}): ShmCorruptionRecord {
  if (!(SHM_CORRUPTIONS as readonly string[]).includes(kind)) {
    throw new GauntletError('GAUNTLET_USAGE', `shm corruption ${JSON.stringify(kind)}: expected one of ${SHM_CORRUPTIONS.join(', ')}`);
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (e) {
    throw new GauntletError('GAUNTLET_USAGE', `cannot open the region ${file} to corrupt it: ${(e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const ring = opts.ring ?? 0;
    const word = (offset: number, value: number, detail: string): ShmCorruptionRecord => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(value >>> 0, 0);
      fs.writeSync(fd, b, 0, 4, offset);
      return { file, kind, offset, detail };
    };
    const ringBytes = (() => {
      const b = Buffer.alloc(4);
      fs.readSync(fd, b, 0, 4, 28);
      return b.readUInt32LE(0);
    })();
    const recordAt = DATA_OFFSET + ring * ringBytes + (opts.record ?? 0);
    switch (kind) {
      case 'header-magic': return word(0, 0xdeadbeef, 'header magic overwritten with 0xdeadbeef');
      case 'header-size': return word(16, size * 4, `header total size set to ${size * 4} (the file is ${size})`);
      case 'ring-offset': return word(HEADER_BYTES + ring * 128, size + 4096, `ring ${ring} data offset set past the end of the file`);
      case 'ring-size': return word(HEADER_BYTES + ring * 128 + 4, 0xfffffff0, `ring ${ring} data size set to 0xfffffff0`);
      case 'record-length': return word(recordAt + 8, 0x7ffffff0, `length of the record at ring ${ring} offset ${opts.record ?? 0} set to 0x7ffffff0`);
      case 'payload-byte': {
        const b = Buffer.alloc(1);
        const at = recordAt + RECORD_HEAD_BYTES;
        fs.readSync(fd, b, 0, 1, at);
        b[0] = b[0]! ^ 0xff;
        fs.writeSync(fd, b, 0, 1, at);
        return { file, kind, offset: at, detail: `first payload byte of the record at ring ${ring} offset ${opts.record ?? 0} flipped` };
      }
      case 'truncate': {
        // One page left: the header still reads, every ring page past it is gone (SIGBUS for a direct access).
        const keep = Math.min(size, 4096);
        fs.ftruncateSync(fd, keep);
        return { file, kind, offset: keep, detail: `file cut from ${size} to ${keep} bytes under its mappings` };
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  throw new GauntletError('GAUNTLET_INTERNAL', `unhandled shm corruption ${kind}`);
}
