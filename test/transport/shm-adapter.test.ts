/**
 * The shm link with real processes: the reference embedder in --shm mode under the supervisor (adapter
 * reference-shm), the host being this test process. Vectors against the oracle, the region really mapped on both
 * sides, a torn commit refused, a dead embedder's region unlinked, every region corruption a typed error with the
 * host alive and the next embedder serving again, and a machine without the addon: not-applicable with the reason.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessClient } from '../../harness/adapters/process.ts';
import type { ProcessAdapterConfig } from '../../harness/adapters/types.ts';
import { corruptShmRegion, findShmRegions } from '../../harness/faults/shm-region.ts';
import { loadOracle } from '../../harness/gguf/oracle.ts';
import { loadShmNative } from '../../harness/transport/shm-native.ts';
import { SHM_DIR, SHM_PREFIX } from '../../harness/transport/shm-region.ts';
import { packagePath, tsNodeArgs } from '../../harness/util/ts-runner.ts';
import { adapterFor, cosine, waitUntil } from '../host/helpers.ts';

const support = loadShmNative();
const TEXTS = ['hello world', 'the quick brown fox jumps over the lazy dog', 'shared memory, seed 004'];
const pids = new Set<number>();
const clients: ProcessClient[] = [];

async function client(env?: Record<string, string>): Promise<{ c: ProcessClient; model: string }> {
  const base = await adapterFor('reference-shm');
  const config = { ...(base.config as ProcessAdapterConfig), ...(env ? { env } : {}) };
  const a = await adapterFor('shm-test', config, {});
  const c = new ProcessClient(a);
  clients.push(c);
  c.on('lifecycle', (e) => { if (typeof e.pid === 'number') pids.add(e.pid); });
  await c.start();
  pids.add(c.embedderPid()!);
  return { c, model: a.model };
}

function mapsOf(pid: number | 'self'): string[] {
  return fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes(`${SHM_DIR}/${SHM_PREFIX}`));
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  // No region of any embedder these tests started is left behind.
  const left = [...pids].flatMap((pid) => findShmRegions(pid));
  expect(left).toEqual([]);
});

describe.skipIf(!support.ok)(`reference-shm adapter (${support.ok ? 'addon built' : `skipped: ${support.reason}`})`, () => {
  it('embeds through the region: vectors match the oracle (cosine >= 0.9999), batch == single, the region mapped by both sides', async () => {
    const { c, model } = await client();
    const oracle = await loadOracle(model);
    const singles: Float32Array[] = [];
    for (const t of TEXTS) singles.push(await c.embed(t));
    const batch = await c.embedBatch(TEXTS);
    TEXTS.forEach((t, i) => {
      expect(cosine(singles[i]!, oracle.embed(t))).toBeGreaterThanOrEqual(0.9999);
      expect(Array.from(batch[i]!)).toEqual(Array.from(singles[i]!));
    });
    const pid = c.embedderPid()!;
    const [region] = findShmRegions(pid);
    expect(region).toBeDefined();
    expect(fs.statSync(region!).mode & 0o777).toBe(0o600);
    expect(mapsOf(pid).some((l) => l.includes(region!))).toBe(true);
    expect(mapsOf('self').some((l) => l.includes(region!))).toBe(true);
    await c.close();
    expect(await waitUntil(() => !fs.existsSync(region!), 3000)).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('keeps the frame limit: a text or a batch over maxFrameBytes is refused as over uds, though its bytes would fit the ring', async () => {
    const { c } = await client();
    const big = 'a '.repeat(35_000); // 70 KB
    await expect(c.embed(big)).rejects.toMatchObject({ code: 'GAUNTLET_PROTOCOL', message: expect.stringMatching(/over the 65536-byte frame limit/) });
    const batch = Array.from({ length: 10 }, () => 'b '.repeat(4000)); // 10 x 8 KB
    await expect(c.embedBatch(batch)).rejects.toMatchObject({ code: 'GAUNTLET_PROTOCOL', message: expect.stringMatching(/over the 65536-byte frame limit/) });
    await expect(c.embed('still fine')).resolves.toHaveLength(64);
    await c.close();
  }, 60_000);

  it('never delivers a torn payload: an embedder that commits half a vector and dies gets a typed error, then a fresh embedder serves', async () => {
    const { c, model } = await client({ GAUNTLET_SHM_TORN_WRITE: '2' });
    const oracle = await loadOracle(model);
    const first = await c.embed(TEXTS[0]!);
    expect(cosine(first, oracle.embed(TEXTS[0]!))).toBeGreaterThanOrEqual(0.9999);
    const pid = c.embedderPid()!;
    const torn = await c.embed(TEXTS[1]!).then((v) => ({ vector: v }), (e: Error & { code?: string }) => ({ error: e }));
    expect('vector' in torn).toBe(false);
    expect((torn as { error: Error & { code?: string } }).error.message).toMatch(/shared memory \(checksum\).*torn or corrupted/);
    expect(await waitUntil(() => c.embedderPid() !== undefined && c.embedderPid() !== pid, 20_000, 50)).toBeGreaterThanOrEqual(0);
    const after = await c.embed(TEXTS[1]!);
    expect(cosine(after, oracle.embed(TEXTS[1]!))).toBeGreaterThanOrEqual(0.9999);
    expect(findShmRegions(pid)).toEqual([]); // the dead writer's region is gone
  }, 60_000);

  it('a SIGKILLed embedder\'s region is unlinked by the host side of the link, and a dead run\'s region by the next one', async () => {
    const { c } = await client();
    await c.embed('warm');
    const pid = c.embedderPid()!;
    const [region] = findShmRegions(pid);
    expect(region).toBeDefined();
    process.kill(pid, 'SIGKILL');
    expect(await waitUntil(() => !fs.existsSync(region!), 5000, 20)).toBeGreaterThanOrEqual(0);
    await expect(c.embed('after the kill')).resolves.toHaveLength(64);
    // A region whose owner and host both died (named after a pid that is gone): swept by the next process's first link.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.once('exit', r));
    const stale = path.join(SHM_DIR, `${SHM_PREFIX}${deadPid}-00c0ffee`);
    fs.writeFileSync(stale, Buffer.alloc(8192), { mode: 0o600 });
    const probe = spawn(process.execPath, [...tsNodeArgs(), packagePath('reference-embedder', 'main.ts'), '--transport', 'uds', '--shm', '--socket', path.join(os.tmpdir(), `shm-sweep-${process.pid}.sock`)], { stdio: ['pipe', 'pipe', 'pipe'] });
    pids.add(probe.pid!);
    try {
      const { connectShm } = await import('../../harness/transport/shm-connection.ts');
      const line = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no ready line')), 20_000);
        probe.stdout!.once('data', (d: Buffer) => { clearTimeout(t); resolve(d.toString()); });
      });
      const conn = await connectShm(JSON.parse(line).socket as string, { maxFrameBytes: 65536, maxBatch: 10, requestTimeoutMs: 5000 }, { timeoutMs: 5000 });
      expect(conn.shm.active).toBe(true);
      expect(fs.existsSync(stale)).toBe(false);
      conn.close();
    } finally {
      probe.kill('SIGKILL');
      await new Promise((r) => probe.once('exit', r));
      fs.rmSync(stale, { force: true });
    }
  }, 60_000);

  it.each([
    ['header-magic', /shared memory \(bad-header\).*magic/],
    ['ring-offset', /shared memory \(bad-header\).*ring 0 data offset/],
    ['truncate', /shared memory \(truncated\)/],
  ] as const)('a region corrupted by the injector (%s): typed error, host alive, the next embedder serves the right vector', async (kind, pattern) => {
    const { c, model } = await client();
    const oracle = await loadOracle(model);
    await c.embed('before');
    const pid = c.embedderPid()!;
    const [region] = findShmRegions(pid);
    corruptShmRegion(region!, kind);
    const bad = await c.embed(TEXTS[2]!).then((v) => ({ vector: v }), (e: Error) => ({ error: e }));
    expect('vector' in bad).toBe(false);
    expect((bad as { error: Error }).error.message).toMatch(pattern);
    expect(await waitUntil(() => c.embedderPid() !== undefined && c.embedderPid() !== pid, 20_000, 50)).toBeGreaterThanOrEqual(0);
    const v = await c.embed(TEXTS[2]!);
    expect(cosine(v, oracle.embed(TEXTS[2]!))).toBeGreaterThanOrEqual(0.9999);
    expect(fs.existsSync(region!)).toBe(false);
  }, 60_000);
});

describe('without shared memory', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = (env: Record<string, string>) => new Promise<Record<string, any>>((resolve, reject) => {
    const child = spawn(process.execPath, [...tsNodeArgs(), packagePath('test', 'transport', 'fixtures', 'shm-unavailable.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no answer in 60 s; stderr: ${err}`)); }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      try { resolve(JSON.parse(out.trim().split('\n').pop()!)); } catch { reject(new Error(`exit ${code}, stdout ${out}, stderr ${err}`)); }
    });
  });

  it.each([
    ['GAUNTLET_SHM=off', { GAUNTLET_SHM: 'off' }, /GAUNTLET_SHM=off/],
    ['no C compiler and nothing built', { CC: '/nonexistent/cc', GAUNTLET_CACHE: '<fresh>' }, /no C compiler \(CC=\/nonexistent\/cc\)/],
  ] as const)('%s: no reference-shm adapter, shm rows and claims not-applicable with the reason, the rest measured', async (_what, env, reason) => {
    const cache = 'GAUNTLET_CACHE' in env ? fs.mkdtempSync(path.join(os.tmpdir(), 'gauntlet-nocc-')) : undefined;
    let r;
    try {
      r = await run({ ...env, ...(cache ? { GAUNTLET_CACHE: cache } : {}) } as Record<string, string>);
    } finally {
      if (cache) fs.rmSync(cache, { recursive: true, force: true });
    }
    expect(r.support.ok).toBe(false);
    expect(r.support.reason).toMatch(reason);
    expect(r.likely.ok).toBe(false);
    expect(r.hasShmAdapter).toBe(false);
    expect(r.adapters).toEqual(expect.arrayContaining(['reference', 'reference-uds', 'reference-ndjson']));
    expect(r.shm).toMatchObject({ available: false });
    expect(r.shm.reason).toMatch(reason);
    expect(r.links).toEqual(['uds']);
    expect(r.targets.some((t: string) => t.startsWith('shm-'))).toBe(false);
    const shmVerdicts = r.verdicts.filter((v: { claim: string }) => v.claim.startsWith('shm-'));
    expect(shmVerdicts.length).toBe(8);
    for (const v of shmVerdicts) {
      expect(v.verdict).toBe('not-applicable');
      expect(v.reason).toMatch(reason);
    }
    expect(r.verdicts.find((v: { claim: string }) => v.claim === 'ipc-control-rtt-p50-under-0.1ms').verdict).toMatch(/pass|fail/);
    expect(r.startError.code).toBe('GAUNTLET_USAGE');
    expect(r.startError.message).toMatch(/moves payloads through shared memory, which this machine cannot have/);
    expect(r.startError.message).toMatch(reason);
  }, 90_000);
});
