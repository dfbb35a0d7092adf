/** Small /proc look-ups (Linux; elsewhere they answer undefined / fall back to kill(pid, 0)). */
import { readFileSync } from 'node:fs';
import { readProcStatusSync } from '../metrics/proc-status.ts';

/** RssAnon / RssFile of a process from /proc/PID/status, in bytes; undefined where /proc cannot tell. */
export function procRss(pid: number | 'self' = 'self'): { rssAnon: number; rssFile: number } | undefined {
  try {
    const s = readProcStatusSync(pid);
    return s && { rssAnon: s.rssAnon, rssFile: s.rssFile };
  } catch {
    return undefined;
  }
}

/** True while the pid exists and is not a zombie. */
export function isPidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    return state !== 'Z' && state !== 'X';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}
