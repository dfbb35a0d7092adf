/**
 * The shared-memory region on real /dev/shm files and real mappings: layout and permissions, records through both
 * rings many times round, every way a ref or a region can be bad (each a typed ShmError, never a crash or a
 * payload), a region cut short under its mappings (SIGBUS caught by the addon), and the sweep of dead owners' regions.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { corruptShmRegion } from '../../harness/faults/shm-region.ts';
import { loadShmNative } from '../../harness/transport/shm-native.ts';
import { ShmError, ShmRegion, SHM_DIR, SHM_PREFIX, sweepStaleRegions, type ShmRef } from '../../harness/transport/shm-region.ts';

const support = loadShmNative();
const RING = 1 << 16;
const open: ShmRegion[] = [];

function pair(): { owner: ShmRegion; peer: ShmRegion } {
  if (!support.ok) throw new Error(support.reason);
  const owner = ShmRegion.create(support.native, { ringBytes: RING });
  const peer = ShmRegion.attach(support.native, owner.file, { totalBytes: owner.totalBytes, ringBytes: RING });
  open.push(owner, peer);
  return { owner, peer };
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

function shmError(fn: () => unknown): ShmError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ShmError) return e;
    throw e;
  }
  throw new Error('expected a ShmError, got none');
}

afterEach(() => {
  for (const r of open.splice(0)) r.close({ unlink: true });
});

describe.skipIf(!support.ok)(`shm region (${support.ok ? `addon ${support.addon}` : `skipped: ${support.reason}`})`, () => {
  it('is a 0600 file named after its owner, holding header + metadata + two rings', () => {
    const { owner } = pair();
    const st = fs.statSync(owner.file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(owner.file.startsWith(`${SHM_DIR}/${SHM_PREFIX}${process.pid}-`)).toBe(true);
    expect(st.size).toBe(64 + 256 + 2 * RING);
    expect(owner.totalBytes).toBe(st.size);
  });

  it('a payload over half the ring goes through the ring wherever the position stands, once the peer has read the last one', () => {
    const { owner, peer } = pair();
    const big = bytes(Math.floor(RING * 0.6), 3);
    // Positions all round the ring: a small record of k KiB first moves the write position, then the big one.
    for (let k = 0; k < 64; k++) {
      const small = owner.write(bytes(k * 1024, k));
      expect(small, `small ${k}`).toBeDefined();
      peer.read(small!);
      const ref = owner.write(big);
      expect(ref, `big after ${k} KiB`).toBeDefined();
      expect(Buffer.from(peer.read(ref!)).equals(Buffer.from(big))).toBe(true);
    }
    // Unread data still counts: with the big record unread, a second one does not fit and goes inline.
    const unread = owner.write(big)!;
    expect(owner.write(big)).toBeUndefined();
    peer.read(unread);
  });

  it('carries payloads both ways, many times round each ring, bit for bit', () => {
    const { owner, peer } = pair();
    let laps = 0;
    for (let i = 0; i < 400; i++) {
      const size = [0, 1, 63, 64, 1000, 9000, 20_000][i % 7]!;
      const a = bytes(size, i);
      const refA = owner.write(a)!;
      expect(refA).toBeDefined();
      expect(Buffer.from(peer.read(refA))).toEqual(Buffer.from(a));
      const b = bytes(size, i + 1000);
      const refB = peer.write(b)!;
      expect(Buffer.from(owner.read(refB))).toEqual(Buffer.from(b));
      if (refA.at % RING < 64 && i > 0) laps++;
    }
    expect(laps).toBeGreaterThan(3);
    expect(owner.counters.read).toBe(400);
  });

  it('says a payload does not fit (the caller sends it inline) instead of overwriting unread ones', () => {
    const { owner, peer } = pair();
    const big = bytes(30_000, 1);
    const r1 = owner.write(big)!;
    const r2 = owner.write(big)!;
    expect(r1 && r2).toBeTruthy();
    expect(owner.write(big)).toBeUndefined(); // two unread records fill the 64 KiB ring
    expect(owner.write(bytes(RING, 2))).toBeUndefined(); // larger than the ring
    expect(owner.counters.full).toBe(2);
    peer.read(r1);
    expect(owner.write(big)).toBeDefined(); // space given back by the read
    expect(Buffer.from(peer.read(r2))).toEqual(Buffer.from(big));
  });

  it.each<[string, string, (r: ShmRef) => ShmRef]>([
    ['the wrong ring', 'bad-ref', (r) => ({ ...r, ring: 0 === r.ring ? 1 : 0 })],
    ['an offset off the 64-byte grid', 'bad-ref', (r) => ({ ...r, at: r.at + 8 })],
    ['a length past the ring', 'bad-ref', (r) => ({ ...r, len: RING })],
    ['a length running off the ring\'s end', 'bad-ref', (r) => ({ ...r, at: RING - 64, len: 100 })],
    ['another sequence number', 'stale-record', (r) => ({ ...r, seq: r.seq + 1 })],
    ['another length', 'stale-record', (r) => ({ ...r, len: r.len - 1 })],
    ['another hash', 'stale-record', (r) => ({ ...r, hash: (r.hash + 1) >>> 0 })],
  ])('refuses a ref with %s: ShmError %s, no bytes', (_what, kind, bend) => {
    const { owner, peer } = pair();
    const ref = owner.write(bytes(500, 3))!;
    expect(shmError(() => peer.read(bend(ref))).kind).toBe(kind);
    expect(Buffer.from(peer.read(ref))).toEqual(Buffer.from(bytes(500, 3))); // the real ref still reads
  });

  it('never delivers a torn payload: committed with half its bytes, the hash does not match', () => {
    const { owner, peer } = pair();
    const ref = owner.write(bytes(4000, 4), { tear: 0.5 })!;
    const e = shmError(() => peer.read(ref));
    expect(e.kind).toBe('checksum');
    expect(e.message).toMatch(/torn or corrupted/);
  });

  it.each<[Parameters<typeof corruptShmRegion>[1], string]>([
    ['header-magic', 'bad-header'],
    ['header-size', 'bad-header'],
    ['ring-offset', 'bad-header'],
    ['ring-size', 'bad-header'],
    ['record-length', 'stale-record'],
    ['payload-byte', 'checksum'],
    ['truncate', 'truncated'],
  ])('the injector\'s %s leaves the reader alive with ShmError %s', (corruption, kind) => {
    const { owner, peer } = pair();
    const ref = owner.write(bytes(6000, 5))!;
    const rec = corruptShmRegion(owner.file, corruption, { ring: 0, record: ref.at % RING });
    expect(rec.detail.length).toBeGreaterThan(10);
    const e = shmError(() => peer.read(ref));
    expect(e.kind).toBe(kind);
    expect(e.code).toBe('GAUNTLET_PROTOCOL');
    expect(e.message).toContain(owner.file);
  });

  it('a region cut short under a live mapping: the guarded copy catches SIGBUS (the owner\'s next write fails typed)', () => {
    const { owner, peer } = pair();
    corruptShmRegion(owner.file, 'truncate');
    expect(shmError(() => owner.write(bytes(3000, 6))).kind).toBe('truncated');
    if (!support.ok) return;
    // Past the size check: the addon reading a page that is gone returns false instead of the process dying.
    const buf = support.native.map(fs.openSync(owner.file, 'r+'), owner.totalBytes);
    expect(support.native.copy(new Uint8Array(16), 0, buf, owner.totalBytes - 64, 16)).toBe(false);
    expect(support.native.hash(buf, 8192, 100)).toBe(-1);
    expect(support.native.copy(new Uint8Array(16), 0, buf, 0, 16)).toBe(true);
    support.native.unmap(buf);
    expect(peer.totalBytes).toBe(owner.totalBytes);
  });

  it('attach refuses a file that is not 0600, the wrong size, or outside /dev/shm', () => {
    if (!support.ok) return;
    const { owner } = pair();
    expect(shmError(() => ShmRegion.attach(support.native, owner.file, { totalBytes: owner.totalBytes + 64, ringBytes: RING })).kind).toBe('truncated');
    expect(shmError(() => ShmRegion.attach(support.native, owner.file, { totalBytes: owner.totalBytes - 64, ringBytes: RING })).kind).toBe('bad-header');
    fs.chmodSync(owner.file, 0o644);
    expect(shmError(() => ShmRegion.attach(support.native, owner.file, { totalBytes: owner.totalBytes, ringBytes: RING })).message).toMatch(/mode 644; expected 600/);
    expect(shmError(() => ShmRegion.attach(support.native, '/tmp/gauntlet-shm-1-ab', { totalBytes: 100, ringBytes: RING })).kind).toBe('attach-failed');
  });

  it('the sweep removes regions of dead owners and keeps live ones', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(deadPid).toBeGreaterThan(0);
    const stale = `${SHM_DIR}/${SHM_PREFIX}${deadPid}-0badc0de`;
    fs.writeFileSync(stale, Buffer.alloc(4096), { mode: 0o600 });
    const { owner } = pair();
    const removed = sweepStaleRegions();
    expect(removed).toContain(stale);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(owner.file)).toBe(true);
  });
});
