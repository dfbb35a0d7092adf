/** Small /proc look-ups (Linux; elsewhere they answer undefined / fall back to kill(pid, 0)). */
import { readFileSync } from 'node:fs';

/** RssAnon / RssFile of a process from /proc/PID/status, in bytes; undefined where /proc is missing. */
export function procRss(pid: number | 'self' = 'self'): { rssAnon: number; rssFile: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
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
