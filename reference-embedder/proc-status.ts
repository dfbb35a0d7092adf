/** Memory figures of this process from /proc/self/status (Linux); elsewhere rss from Node, the rest 0. */
import { readFileSync } from 'node:fs';

export interface ProcMemory { rss: number; rssAnon: number; rssFile: number }

function kb(status: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

export function procMemory(): ProcMemory {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const rss = kb(status, 'VmRSS');
    if (rss !== undefined) return { rss, rssAnon: kb(status, 'RssAnon') ?? 0, rssFile: kb(status, 'RssFile') ?? 0 };
  } catch {
    // not Linux
  }
  return { rss: process.memoryUsage.rss(), rssAnon: 0, rssFile: 0 };
}
