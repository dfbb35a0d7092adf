/**
 * Every process the harness starts (hosts, the embedders they report, servers, relays, their descendants) is tracked
 * here, so that after each scenario and after the run we can prove none is left alive, and end (and report) any
 * that is.
 *
 * Three ways a process is found, so that one which escapes the others is still found:
 * - by pid: hosts and the embedder pids they report (track());
 * - by /proc descent: live descendants of a tracked pid (ppid links), while that parent still lives;
 * - by a run tag in the environment: while a run is on, the orchestrator's environment holds
 *   GAUNTLET_RUN_TAG (unique per run) and GAUNTLET_RUN_OWNER (the scenario/adapter running), which every process
 *   started from it inherits, through any number of generations, after its parent died (reparented to init) and
 *   after a setsid(); /proc/PID/environ shows it. Only a process that scrubs its own environment escapes this one.
 * Leftovers get SIGTERM, then SIGKILL; the record says which one ended each.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { pidAlive, procDescendants, procParent, procStartTime } from '../faults/proc.ts';

export type TrackedRole = 'host' | 'embedder' | 'descendant' | 'tagged';

/** Environment variables every process of a run inherits (see the file comment). */
export const RUN_TAG_VAR = 'GAUNTLET_RUN_TAG';
export const RUN_OWNER_VAR = 'GAUNTLET_RUN_OWNER';

export interface Leftover {
  pid: number;
  role: TrackedRole;
  owner: string;
  cmdline: string;
  /** True when the process is gone after the escalation. */
  killed: boolean;
  /** What ended it: SIGTERM (it obeyed), SIGKILL, or null when it could not be ended. */
  endedBy: 'SIGTERM' | 'SIGKILL' | null;
}

interface Entry { pid: number; role: TrackedRole; owner: string; start: number | null }

/** How long a leftover gets after SIGTERM before SIGKILL, and after SIGKILL before it counts as unkillable. */
const TERM_WAIT_MS = 500;
const KILL_WAIT_MS = 2000;

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 300);
  } catch {
    return '';
  }
}

/** NAME=value pairs of /proc/PID/environ (empty when unreadable: another user's process, or gone). */
function environ(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  let raw: string;
  try { raw = readFileSync(`/proc/${pid}/environ`, 'utf8'); } catch { return out; }
  for (const kv of raw.split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) out.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return out;
}

function procPids(): number[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/**
 * Not the run's: a long-lived helper of the orchestrator itself that merely inherited the tag, i.e. tsx's esbuild
 * transform service (`esbuild --service=...`), started lazily when the orchestrator first imports a TypeScript file.
 */
function orchestratorHelper(pid: number): boolean {
  if (procParent(pid) !== process.pid) return false;
  const argv = cmdline(pid);
  return /(^|\/)esbuild(\s|$)/.test(argv.split(' ')[0] ?? '') && argv.includes('--service=');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tags of runs in progress in this process, for the synchronous kill when the orchestrator exits. */
const activeTags = new Set<string>();
let exitHookInstalled = false;

/** Synchronously SIGKILLs every live process carrying one of `tags` (process 'exit': no awaiting there). */
export function killTaggedSync(tags: ReadonlySet<string> = activeTags): number[] {
  if (tags.size === 0) return [];
  const killed: number[] = [];
  for (const pid of procPids()) {
    if (pid === process.pid) continue;
    const tag = environ(pid).get(RUN_TAG_VAR);
    if (tag === undefined || !tags.has(tag) || orchestratorHelper(pid)) continue;
    try { process.kill(pid, 'SIGKILL'); killed.push(pid); } catch { /* gone */ }
  }
  return killed;
}

let tagCounter = 0;

/**
 * The owner (scenario/adapter) of the code running now, carried through its awaits, timers and callbacks: two runs
 * that overlap cannot both own process.env, so every process spawned from this orchestrator gets the owner of the
 * async context that spawned it (ChildProcess.prototype.spawn is where spawn, fork, exec and execFile all end up,
 * with the environment already turned into envPairs). Outside any owner's context nothing is changed.
 */
const ownerContext = new AsyncLocalStorage<string>();
let spawnPatched = false;

function patchSpawnOnce(): void {
  if (spawnPatched) return;
  spawnPatched = true;
  const proto = ChildProcess.prototype as unknown as { spawn(options: { envPairs?: string[] }): unknown };
  const original = proto.spawn;
  proto.spawn = function spawnWithOwner(this: unknown, options: { envPairs?: string[] }) {
    const owner = ownerContext.getStore();
    if (owner !== undefined && options && Array.isArray(options.envPairs)) {
      options.envPairs = [...options.envPairs.filter((e) => !e.startsWith(`${RUN_OWNER_VAR}=`)), `${RUN_OWNER_VAR}=${owner}`];
    }
    return original.call(this, options);
  };
}

export class ProcessTracker {
  private readonly entries = new Map<number, Entry>();
  /** This run's tag: the orchestrator's pid, a time and a counter (two runs in one process differ). */
  readonly tag = `${process.pid}.${Date.now().toString(36)}.${(tagCounter++).toString(36)}`;
  private saved: { tag: string | undefined; owner: string | undefined } | undefined;

  /** Puts the run tag into this process's environment (inherited by everything started from now on). */
  beginRun(): void {
    if (this.saved) return;
    this.saved = { tag: process.env[RUN_TAG_VAR], owner: process.env[RUN_OWNER_VAR] };
    process.env[RUN_TAG_VAR] = this.tag;
    activeTags.add(this.tag);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => { killTaggedSync(); });
    }
  }

  /** The scenario/adapter whose processes are started from now on (undefined between scenarios). */
  setOwner(owner: string | undefined): void {
    if (owner === undefined) delete process.env[RUN_OWNER_VAR];
    else process.env[RUN_OWNER_VAR] = owner;
  }

  /**
   * Runs `fn` as `owner`: every process it spawns, however deep in its awaits, carries this owner in its environment,
   * even while another owner's work runs at the same time (overlapping runs).
   */
  runAs<T>(owner: string, fn: () => Promise<T>): Promise<T> {
    patchSpawnOnce();
    return ownerContext.run(owner, fn);
  }

  /** Takes the tag out of the environment again (after the last sweep). */
  endRun(): void {
    if (!this.saved) return;
    const { tag, owner } = this.saved;
    this.saved = undefined;
    activeTags.delete(this.tag);
    if (tag === undefined) delete process.env[RUN_TAG_VAR];
    else process.env[RUN_TAG_VAR] = tag;
    if (owner === undefined) delete process.env[RUN_OWNER_VAR];
    else process.env[RUN_OWNER_VAR] = owner;
  }

  track(pid: number | undefined, owner: string, role: TrackedRole): void {
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
    if (this.entries.has(pid)) return;
    this.entries.set(pid, { pid, role, owner, start: procStartTime(pid) });
  }

  /** The pids tracked for `owner` (or all). */
  pids(owner?: string): number[] {
    return [...this.entries.values()].filter((e) => owner === undefined || e.owner === owner).map((e) => e.pid);
  }

  /**
   * The live processes of embedder `pid`'s tree, `pid` excluded: its /proc descendants, and the owner's processes no
   * host reported and no other live embedder (a warm spare) has as an ancestor: a worker that left the tree by
   * setsid and a double fork still carries the run tag. Found anew (trackDescendants).
   */
  treeOf(owner: string, pid: number): number[] {
    this.trackDescendants(owner);
    const mine = new Set(procDescendants(pid));
    const live = [...this.entries.values()].filter((e) => e.owner === owner && e.pid !== pid && this.isAlive(e.pid));
    const others = new Set(live.filter((e) => e.role === 'host' || e.role === 'embedder').flatMap((e) => [e.pid, ...procDescendants(e.pid)]));
    for (const e of live) if (!others.has(e.pid)) mine.add(e.pid);
    mine.delete(pid);
    return [...mine];
  }

  /** Alive and still the same process (same start time) as when it was tracked. */
  isAlive(pid: number): boolean {
    const e = this.entries.get(pid);
    if (!pidAlive(pid)) return false;
    return !e || e.start === null || procStartTime(pid) === e.start;
  }

  /**
   * Tracks every live process carrying this run's tag (for `owner` only, when given; a tagged process with no
   * owner was started between scenarios and goes to '(run)'). Returns the pids newly found.
   */
  trackTagged(owner?: string): number[] {
    const found: number[] = [];
    for (const pid of procPids()) {
      if (pid === process.pid || this.entries.has(pid) && this.isAlive(pid)) continue;
      const env = environ(pid);
      if (env.get(RUN_TAG_VAR) !== this.tag) continue;
      const by = env.get(RUN_OWNER_VAR) ?? '(run)';
      if (owner !== undefined && by !== owner) continue;
      if (!pidAlive(pid) || orchestratorHelper(pid)) continue;
      this.entries.delete(pid); // a reused pid: the old entry is stale
      this.track(pid, by, 'tagged');
      found.push(pid);
    }
    return found;
  }

  /** Adds every live descendant of the owner's tracked pids (/proc ppid links), and the owner's tagged processes. */
  trackDescendants(owner: string): number[] {
    const found: number[] = [];
    const roots = new Set(this.pids(owner).filter((p) => this.isAlive(p)));
    const parent = new Map<number, number>();
    for (const pid of roots.size > 0 ? procPids() : []) {
      const pp = procParent(pid);
      if (pp !== null) parent.set(pid, pp);
    }
    for (const [pid] of parent) {
      let p: number | undefined = parent.get(pid);
      for (let depth = 0; p !== undefined && p > 1 && depth < 32; depth++) {
        if (roots.has(p)) {
          if (!this.entries.has(pid)) { this.track(pid, owner, 'descendant'); found.push(pid); }
          break;
        }
        p = parent.get(p);
      }
    }
    // Last, the ones no live parent link leads to (orphans, setsid'd helpers): found by the run tag.
    return [...found, ...this.trackTagged(owner)];
  }

  /**
   * Waits up to `graceMs` for the owner's processes (tracked, descendants, tagged) to go, then ends the rest:
   * SIGTERM, up to 500 ms, SIGKILL. Returns those it had to end. Pass no owner to sweep everything (end of run).
   */
  async sweep(owner: string | undefined, graceMs: number): Promise<Leftover[]> {
    const find = () => {
      if (owner === undefined) {
        this.trackTagged();
        for (const o of new Set([...this.entries.values()].map((e) => e.owner))) this.trackDescendants(o);
      } else {
        this.trackDescendants(owner);
      }
      return [...this.entries.values()].filter((e) => (owner === undefined || e.owner === owner) && this.isAlive(e.pid));
    };
    const end = Date.now() + graceMs;
    let left = find();
    while (left.length > 0 && Date.now() < end) {
      await sleep(20);
      left = [...this.entries.values()].filter((e) => left.includes(e) && this.isAlive(e.pid));
    }
    left = find(); // late children of the processes that were waited for
    if (left.length === 0) return [];
    const out: Leftover[] = left.map((e) => ({ pid: e.pid, role: e.role, owner: e.owner, cmdline: cmdline(e.pid), killed: false, endedBy: null }));
    // SIGSTOPped processes cannot act on SIGTERM: let them run first.
    for (const o of out) { try { process.kill(o.pid, 'SIGCONT'); process.kill(o.pid, 'SIGTERM'); } catch { /* gone meanwhile */ } }
    const termEnd = Date.now() + TERM_WAIT_MS;
    while (out.some((o) => this.isAlive(o.pid)) && Date.now() < termEnd) await sleep(10);
    for (const o of out) {
      if (!this.isAlive(o.pid)) { o.killed = true; o.endedBy = 'SIGTERM'; continue; }
      try { process.kill(o.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    }
    const killEnd = Date.now() + KILL_WAIT_MS;
    while (out.some((o) => !o.killed && this.isAlive(o.pid)) && Date.now() < killEnd) await sleep(10);
    for (const o of out) {
      if (o.killed) continue;
      o.killed = !this.isAlive(o.pid);
      o.endedBy = o.killed ? 'SIGKILL' : null;
    }
    return out;
  }
}

/** How a leftover was ended, for messages: "SIGKILLed", "ended by SIGTERM", "could not be killed". */
export function describeEnd(l: Leftover): string {
  if (!l.killed) return 'could not be killed';
  return l.endedBy === 'SIGTERM' ? 'ended by SIGTERM' : 'SIGKILLed';
}
