/** Memory figures of this process from /proc/self/status (Linux); elsewhere rss from Node, the rest 0. */
import { readProcStatusSync } from '../harness/metrics/proc-status.ts';

export interface ProcMemory { rss: number; rssAnon: number; rssFile: number }

export function procMemory(): ProcMemory {
  try {
    const s = readProcStatusSync('self');
    if (s) return { rss: s.rss, rssAnon: s.rssAnon, rssFile: s.rssFile };
  } catch {
    // not Linux, or /proc unreadable
  }
  return { rss: process.memoryUsage.rss(), rssAnon: 0, rssFile: 0 };
}
