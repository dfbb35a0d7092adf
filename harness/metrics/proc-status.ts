/** Memory figures of any process from /proc/PID/status (Linux), in bytes. */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

export interface ProcStatus {
  /** VmRSS: resident set, all kinds. */
  rss: number;
  /** RssAnon: anonymous resident memory (heap, stacks, malloc): the working set without mapped files. */
  rssAnon: number;
  /** RssFile: resident file-backed pages (mapped model files, shared libraries); reclaimable. */
  rssFile: number;
  /** RssShmem: resident shared memory (shm, tmpfs mappings). */
  rssShmem: number;
  /** VmSize: virtual address space. */
  vmSize: number;
  threads: number;
}

const FIELDS: Array<[keyof ProcStatus, string, 'kB' | 'n']> = [
  ['rss', 'VmRSS', 'kB'], ['rssAnon', 'RssAnon', 'kB'], ['rssFile', 'RssFile', 'kB'], ['rssShmem', 'RssShmem', 'kB'],
  ['vmSize', 'VmSize', 'kB'], ['threads', 'Threads', 'n'],
];

/**
 * Parses the text of /proc/PID/status. Throws when a field is missing (e.g. a zombie, which has no memory lines),
 * naming the field.
 */
export function parseProcStatus(text: string): ProcStatus {
  const out = {} as ProcStatus;
  for (const [key, label, unit] of FIELDS) {
    const m = new RegExp(`^${label}:\\s+(\\d+)(?:\\s+kB)?\\s*$`, 'm').exec(text);
    if (!m) throw new Error(`/proc status: no ${label} line (is the process a zombie or a kernel thread?)`);
    out[key] = Number(m[1]) * (unit === 'kB' ? 1024 : 1);
  }
  return out;
}

function gone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Memory of process `pid` (or 'self'), in bytes; `undefined` when the process no longer exists (or is a zombie)
 * or /proc is not available. Other read errors are thrown.
 */
export async function readProcStatus(pid: number | 'self'): Promise<ProcStatus | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch (e) {
    if (gone(e)) return undefined;
    throw e;
  }
  return /^VmRSS:/m.test(text) ? parseProcStatus(text) : undefined;
}

/** Synchronous variant, for exit handlers and tight probes. */
export function readProcStatusSync(pid: number | 'self'): ProcStatus | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (e) {
    if (gone(e)) return undefined;
    throw e;
  }
  return /^VmRSS:/m.test(text) ? parseProcStatus(text) : undefined;
}
