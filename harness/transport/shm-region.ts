/**
 * A shared-memory region under /dev/shm as seed 004 lays it out: a 64-byte header, 256 bytes of ring metadata, then
 * the data: two rings, one per direction (ring 0 is written by the region's owner, the embedder; ring 1 by the
 * peer that attached, the host). The file is created O_EXCL with mode 0600 and named
 * gauntlet-shm-<owner pid>-<random>, so a sweep can tell a dead owner's region from a live one.
 *
 * A record in a ring: a 32-byte head (magic, commit sequence, length, hash, absolute position) then the payload,
 * padded to 64 bytes. The writer copies the payload first and writes the head after it, the commit sequence last;
 * only then does it send the control message naming (ring, position, sequence, length, hash) over the socket. The
 * reader checks every offset and length against the region before touching it, then the head against the control
 * message, then the hash of the bytes it copied out. So a writer killed mid-write never delivers a torn payload,
 * and a corrupt or truncated region is a typed ShmError, never a crash: every byte of the mapping is read and
 * written through the addon's SIGBUS-guarded copies, never by JavaScript directly.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GauntletError } from '../util/errors.ts';
import type { ShmNative } from './shm-native.ts';
import { pidExists } from '../faults/proc.ts';

export const SHM_DIR = '/dev/shm';
export const SHM_PREFIX = 'gauntlet-shm-';
const MAGIC = 0x4d485347; // 'GSHM' little-endian
const RECORD_MAGIC = 0x31434552; // 'REC1'
export const SHM_VERSION = 1;
export const HEADER_BYTES = 64;
export const META_BYTES = 256;
export const DATA_OFFSET = HEADER_BYTES + META_BYTES;
export const RECORD_HEAD_BYTES = 32;
const RING_META_BYTES = 128;

/** What went wrong with a region or a payload in it. */
export type ShmErrorKind = 'bad-header' | 'truncated' | 'bad-ref' | 'stale-record' | 'checksum' | 'unavailable' | 'attach-failed';

/** A typed shared-memory error: `kind` says what, the message names the bad value and the region. */
export class ShmError extends GauntletError {
  constructor(readonly kind: ShmErrorKind, message: string, details: Record<string, unknown> = {}) {
    super('GAUNTLET_PROTOCOL', `shared memory (${kind}): ${message}`, { details: { shmKind: kind, ...details } });
    this.name = 'ShmError';
  }
}

/** A payload's place in a ring, as the control message carries it. */
export interface ShmRef { ring: number; at: number; seq: number; len: number; hash: number }

export function refToWire(r: ShmRef): { $shm: number[] } {
  return { $shm: [r.ring, r.at, r.seq, r.len, r.hash] };
}

/** A control message's `$shm` value as a ref, or a string saying what is wrong with it. */
export function refFromWire(value: unknown): ShmRef | string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return undefined;
  const v = (value as { $shm?: unknown }).$shm;
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== 5 || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) {
    return `a $shm reference must be 5 integers 0..2^32-1 [ring, at, seq, len, hash], got ${JSON.stringify(v).slice(0, 80)}`;
  }
  const [ring, at, seq, len, hash] = v as number[];
  return { ring: ring!, at: at!, seq: seq!, len: len!, hash: hash! };
}

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/** Names of regions whose owner pid is gone (or every gauntlet region when `all`), unlinked; only this user's files. */
export function sweepStaleRegions(opts: { dir?: string; all?: boolean } = {}): string[] {
  const dir = opts.dir ?? SHM_DIR;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const name of names) {
    const m = new RegExp(`^${SHM_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile() || (uid !== undefined && st.uid !== uid)) continue;
      if (!opts.all && pidExists(Number(m[1]))) continue;
      fs.unlinkSync(file);
      removed.push(file);
    } catch { /* gone meanwhile */ }
  }
  return removed;
}

interface Ring { dataOffset: number; dataBytes: number; metaOffset: number }

/**
 * One mapped region. The owner creates it (create()), the peer maps the same file (attach()). Each side writes one
 * ring and reads the other. Not thread-safe; one event loop per side.
 */
export class ShmRegion {
  private readonly scratch = Buffer.alloc(64);
  private readonly rings: [Ring, Ring];
  private seqOut = 0;
  /** This side's write position (absolute, mod 2^32): kept here, never read back from the region. */
  private writtenOut = 0;
  private unmapped = false;
  /** Payloads written, payloads read, and writes that did not fit (sent inline instead). */
  readonly counters = { written: 0, read: 0, full: 0, bytesWritten: 0, bytesRead: 0 };

  private constructor(
    private readonly native: ShmNative,
    readonly file: string,
    private readonly fd: number,
    private readonly buffer: ArrayBuffer,
    readonly totalBytes: number,
    readonly ringBytes: number,
    /** The ring this side writes: 0 for the owner, 1 for the peer. */
    private readonly writeRing: 0 | 1,
    private readonly ino: number,
  ) {
    const ring = (i: number): Ring => ({ dataOffset: DATA_OFFSET + i * ringBytes, dataBytes: ringBytes, metaOffset: HEADER_BYTES + i * RING_META_BYTES });
    this.rings = [ring(0), ring(1)];
  }

  /** Creates a region of two rings of `ringBytes` each (a power of two, >= 64 KiB) under /dev/shm, mode 0600. */
  static create(native: ShmNative, opts: { ringBytes: number; dir?: string }): ShmRegion {
    const { ringBytes } = opts;
    if (!Number.isInteger(ringBytes) || ringBytes < 65536 || ringBytes > 2 ** 30 || (ringBytes & (ringBytes - 1)) !== 0) {
      throw new ShmError('bad-header', `ring size ${ringBytes}: expected a power of two from 65536 to 2^30 bytes`);
    }
    const dir = opts.dir ?? SHM_DIR;
    const file = path.join(dir, `${SHM_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    const total = DATA_OFFSET + 2 * ringBytes;
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // whatever the umask
      fs.ftruncateSync(fd, total);
      const buffer = native.map(fd, total);
      const region = new ShmRegion(native, file, fd, buffer, total, ringBytes, 0, fs.fstatSync(fd).ino);
      region.writeHeader();
      return region;
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw e;
    }
  }

  /** Maps a region another process created; checks owner, mode, size and header before trusting any of it. */
  static attach(native: ShmNative, file: string, expect: { totalBytes: number; ringBytes: number }): ShmRegion {
    if (path.dirname(file) !== SHM_DIR || !path.basename(file).startsWith(SHM_PREFIX)) {
      throw new ShmError('attach-failed', `refusing to map ${JSON.stringify(file)}: expected a file ${SHM_DIR}/${SHM_PREFIX}*`);
    }
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
    } catch (e) {
      throw new ShmError('attach-failed', `cannot open ${file}: ${(e as Error).message}`);
    }
    try {
      const st = fs.fstatSync(fd);
      const uid = process.getuid?.();
      if (!st.isFile()) throw new ShmError('attach-failed', `${file} is not a regular file`);
      if (uid !== undefined && st.uid !== uid) throw new ShmError('attach-failed', `${file} belongs to uid ${st.uid}, not to this user (${uid})`);
      if ((st.mode & 0o077) !== 0) throw new ShmError('attach-failed', `${file} has mode ${(st.mode & 0o777).toString(8)}; expected 600 (readable by its owner only)`);
      if (st.size !== expect.totalBytes) {
        throw new ShmError(st.size < expect.totalBytes ? 'truncated' : 'bad-header', `${file} is ${st.size} bytes; its owner announced ${expect.totalBytes}`);
      }
      const buffer = native.map(fd, expect.totalBytes);
      const region = new ShmRegion(native, file, fd, buffer, expect.totalBytes, expect.ringBytes, 1, st.ino);
      region.checkHeader();
      return region;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  private writeHeader(): void {
    const h = this.scratch;
    h.fill(0);
    h.writeUInt32LE(MAGIC, 0);
    h.writeUInt32LE(SHM_VERSION, 4);
    h.writeUInt32LE(HEADER_BYTES, 8);
    h.writeUInt32LE(META_BYTES, 12);
    h.writeUInt32LE(this.totalBytes, 16);
    h.writeUInt32LE(process.pid, 20);
    h.writeUInt32LE(2, 24);
    h.writeUInt32LE(this.ringBytes, 28);
    this.put(0, h, HEADER_BYTES);
    for (const r of this.rings) {
      h.fill(0);
      h.writeUInt32LE(r.dataOffset, 0);
      h.writeUInt32LE(r.dataBytes, 4);
      this.put(r.metaOffset, h, 16);
    }
  }

  private put(offset: number, src: Buffer, length: number): void {
    if (this.unmapped) throw new ShmError('unavailable', `${this.file} is closed`);
    if (!this.native.copy(this.buffer, offset, src, 0, length)) throw this.truncated(offset + length);
  }

  private get(offset: number, length: number): Buffer {
    if (this.unmapped) throw new ShmError('unavailable', `${this.file} is closed`);
    if (!this.native.copy(this.scratch, 0, this.buffer, offset, length)) throw this.truncated(offset + length);
    return this.scratch;
  }

  private truncated(needed: number): ShmError {
    let size = -1;
    try { size = fs.fstatSync(this.fd).size; } catch { /* closed */ }
    return new ShmError('truncated', `${this.file} was cut to ${size} bytes under its ${this.totalBytes}-byte mapping (byte ${needed} is gone); the region is unusable`, { file: this.file, size, needed });
  }

  /** Throws a ShmError when the file is not its mapped size any more (cut short, or grown by someone else). */
  private checkSize(): void {
    if (this.unmapped) throw new ShmError('unavailable', `${this.file} is closed`);
    let size: number;
    try {
      size = fs.fstatSync(this.fd).size;
    } catch (e) {
      throw new ShmError('unavailable', `${this.file}: ${(e as Error).message}`);
    }
    if (size < this.totalBytes) throw this.truncated(size);
    if (size > this.totalBytes) throw new ShmError('bad-header', `${this.file} grew to ${size} bytes; it was created with ${this.totalBytes}`, { file: this.file, size });
  }

  /** Throws a ShmError when the file was resized or the header is not the one this region was created with. */
  checkHeader(): void {
    this.checkSize();
    const h = this.get(0, HEADER_BYTES);
    const bad = (what: string, got: number, want: number) => new ShmError('bad-header', `${this.file}: header ${what} is ${got}, expected ${want}`, { file: this.file, field: what, got });
    if (h.readUInt32LE(0) !== MAGIC) throw bad('magic', h.readUInt32LE(0), MAGIC);
    if (h.readUInt32LE(4) !== SHM_VERSION) throw bad('version', h.readUInt32LE(4), SHM_VERSION);
    if (h.readUInt32LE(16) !== this.totalBytes) throw bad('total size', h.readUInt32LE(16), this.totalBytes);
    if (h.readUInt32LE(28) !== this.ringBytes) throw bad('ring size', h.readUInt32LE(28), this.ringBytes);
    for (const [i, r] of this.rings.entries()) {
      const m = this.get(r.metaOffset, 8);
      if (m.readUInt32LE(0) !== r.dataOffset) throw bad(`ring ${i} data offset`, m.readUInt32LE(0), r.dataOffset);
      if (m.readUInt32LE(4) !== r.dataBytes) throw bad(`ring ${i} data size`, m.readUInt32LE(4), r.dataBytes);
    }
  }

  /**
   * Writes one payload into this side's ring and returns its ref, or undefined when it does not fit now (the ring
   * holds unread payloads, or the payload is larger than the ring): the caller sends it inline instead.
   * `tear` (fault injection only, 0..1): commits the head with the whole payload's hash after copying only that
   * fraction of the payload, as a writer killed mid-copy that had committed early would leave it.
   */
  write(payload: Uint8Array, opts: { tear?: number } = {}): ShmRef | undefined {
    const ring = this.rings[this.writeRing];
    const size = ring.dataBytes;
    const need = align64(RECORD_HEAD_BYTES + payload.length);
    if (need > size) { this.counters.full++; return undefined; }
    this.checkSize();
    const written = this.writtenOut;
    const released = this.get(ring.metaOffset + 12, 4).readUInt32LE(0);
    const pos = written % size;
    const pad = pos + need > size ? size - pos : 0;
    const used = (written - released) >>> 0;
    // With every record released the whole ring is free: a record that does not fit before the ring's end starts at
    // its beginning (the skipped tail holds nothing unread). Requiring the skipped tail to be free as well sent a
    // payload over half the ring inline for ever once the position had passed size - need: the bench's bimodal shm
    // 10 MB row (2.3 ms through the ring, 10-19 ms inline over the socket with fresh 10 MB buffers; issue 20).
    if (used > size || (used > 0 && used + pad + need > size)) { this.counters.full++; return undefined; }
    const at = (written + pad) >>> 0;
    const off = ring.dataOffset + (at % size);
    const seq = (this.seqOut = (this.seqOut % 0xfffffffe) + 1);
    const tear = opts.tear;
    let hash: number;
    if (tear === undefined) {
      hash = this.native.copyHash(this.buffer, off + RECORD_HEAD_BYTES, payload, 0, payload.length);
    } else {
      hash = this.native.hash(payload, 0, payload.length);
      const part = Math.floor(Math.min(1, Math.max(0, tear)) * payload.length);
      if (!this.native.copy(this.buffer, off + RECORD_HEAD_BYTES, payload, 0, part)) hash = -1;
    }
    if (hash < 0) throw this.truncated(off + RECORD_HEAD_BYTES + payload.length);
    const h = this.scratch;
    h.fill(0, 0, RECORD_HEAD_BYTES);
    h.writeUInt32LE(RECORD_MAGIC, 0);
    h.writeUInt32LE(payload.length, 8);
    h.writeUInt32LE(hash, 12);
    h.writeUInt32LE(at, 16);
    this.put(off + 8, h.subarray(8), RECORD_HEAD_BYTES - 8);
    // The commit: magic and sequence last, after the payload and the rest of the head.
    h.writeUInt32LE(seq, 4);
    this.put(off, h, 8);
    this.writtenOut = (at + need) >>> 0;
    h.writeUInt32LE(this.writtenOut, 0);
    this.put(ring.metaOffset + 8, h, 4);
    this.counters.written++;
    this.counters.bytesWritten += payload.length;
    return { ring: this.writeRing, at, seq, len: payload.length, hash };
  }

  /**
   * Checks a ref the peer sent against the region and returns the payload's bytes, copied out and verified
   * (into `into` when given, which must hold ref.len bytes); releases the space. Throws ShmError.
   */
  read(ref: ShmRef, into?: Uint8Array): Uint8Array {
    const readRing = this.writeRing === 0 ? 1 : 0;
    if (ref.ring !== readRing) throw new ShmError('bad-ref', `${this.file}: ring ${ref.ring}: this side reads ring ${readRing} only`, { ref, file: this.file });
    const ring = this.rings[readRing];
    const size = ring.dataBytes;
    const rel = ref.at % size;
    if (rel % 64 !== 0) throw new ShmError('bad-ref', `${this.file}: position ${ref.at} is not on a 64-byte record boundary`, { ref, file: this.file });
    if (ref.len > size - RECORD_HEAD_BYTES || rel + RECORD_HEAD_BYTES + ref.len > size) {
      throw new ShmError('bad-ref', `${this.file}: a ${ref.len}-byte payload at ring offset ${rel} runs past the ${size}-byte ring`, { ref, file: this.file });
    }
    this.checkHeader();
    const off = ring.dataOffset + rel;
    const h = this.get(off, RECORD_HEAD_BYTES);
    const magic = h.readUInt32LE(0), seq = h.readUInt32LE(4), len = h.readUInt32LE(8), hash = h.readUInt32LE(12), at = h.readUInt32LE(16);
    if (magic !== RECORD_MAGIC || seq !== ref.seq || len !== ref.len || at !== ref.at || hash !== ref.hash) {
      throw new ShmError('stale-record', `${this.file}: the record at ring ${readRing} offset ${rel} holds (magic ${magic.toString(16)}, seq ${seq}, len ${len}, at ${at}, hash ${hash}); `
        + `the control message announced (seq ${ref.seq}, len ${ref.len}, at ${ref.at}, hash ${ref.hash}): not committed, overwritten or corrupt`, { ref, file: this.file });
    }
    const out = into ?? new Uint8Array(ref.len);
    if (out.length < ref.len) throw new ShmError('bad-ref', `target of ${out.length} bytes for a ${ref.len}-byte payload`, { ref });
    const got = this.native.copyHash(out, 0, this.buffer, off + RECORD_HEAD_BYTES, ref.len);
    if (got < 0) throw this.truncated(off + RECORD_HEAD_BYTES + ref.len);
    if (got !== ref.hash) throw new ShmError('checksum', `${this.file}: the ${ref.len}-byte payload at ring ${readRing} offset ${rel} hashes to ${got}, its commit says ${ref.hash} (torn or corrupted)`, { ref, file: this.file });
    this.release(ref);
    this.counters.read++;
    this.counters.bytesRead += ref.len;
    return out.length === ref.len ? out : out.subarray(0, ref.len);
  }

  /** Checks a ref and the hash of its payload where it lies (no copy: for a consumer that only needs it verified), then releases it. */
  verifyInPlace(ref: ShmRef): void {
    const readRing = this.writeRing === 0 ? 1 : 0;
    if (ref.ring !== readRing) throw new ShmError('bad-ref', `${this.file}: ring ${ref.ring}: this side reads ring ${readRing} only`, { ref, file: this.file });
    const size = this.rings[readRing].dataBytes;
    const rel = ref.at % size;
    if (rel % 64 !== 0 || ref.len > size - RECORD_HEAD_BYTES || rel + RECORD_HEAD_BYTES + ref.len > size) throw new ShmError('bad-ref', `payload of ${ref.len} bytes at ring offset ${rel} is outside the ${size}-byte ring`, { ref });
    this.checkSize();
    const off = this.rings[readRing].dataOffset + rel;
    const h = this.get(off, RECORD_HEAD_BYTES);
    if (h.readUInt32LE(0) !== RECORD_MAGIC || h.readUInt32LE(4) !== ref.seq || h.readUInt32LE(8) !== ref.len) throw new ShmError('stale-record', `the record at offset ${rel} is not the one announced (seq ${ref.seq})`, { ref });
    const got = this.native.hash(this.buffer, off + RECORD_HEAD_BYTES, ref.len);
    if (got < 0) throw this.truncated(off + RECORD_HEAD_BYTES + ref.len);
    if (got !== ref.hash) throw new ShmError('checksum', `payload at offset ${rel} hashes to ${got}, its commit says ${ref.hash}`, { ref });
    this.release(ref);
    this.counters.read++;
    this.counters.bytesRead += ref.len;
  }

  /** Gives the space up to the end of this record back to the writer (records are read in the order written). */
  private release(ref: ShmRef): void {
    const ring = this.rings[ref.ring]!;
    this.scratch.writeUInt32LE((ref.at + align64(RECORD_HEAD_BYTES + ref.len)) >>> 0, 0);
    this.put(ring.metaOffset + 12, this.scratch, 4);
  }

  /** Unmaps and closes; `unlink` also removes the file when it is still the one this region mapped. Idempotent. */
  close(opts: { unlink?: boolean } = {}): void {
    if (opts.unlink) unlinkIfSame(this.file, this.ino);
    if (this.unmapped) return;
    this.unmapped = true;
    try { this.native.unmap(this.buffer); } catch { /* already detached */ }
    try { fs.closeSync(this.fd); } catch { /* closed */ }
  }
}

/** Removes `file` if it is still inode `ino` (a region created meanwhile under the same name is not ours). */
export function unlinkIfSame(file: string, ino: number): void {
  try {
    if (fs.lstatSync(file).ino === ino) fs.unlinkSync(file);
  } catch { /* gone already */ }
}
