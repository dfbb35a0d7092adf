/** For the bench tests' "nothing left running" checks: the live children of this test process, from /proc. */
import { readdirSync, readFileSync } from 'node:fs';
import { pidAlive, procParent } from '../../harness/faults/proc.ts';

/**
 * Live (non-zombie) children of this process as "PID cmdline"; esbuild's service process (the embedder bundler's)
 * is long-lived by design and left out.
 */
export function children(): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (procParent(pid) !== process.pid || !pidAlive(pid)) continue;
    try {
      out.push(`${d} ${readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 150)}`);
    } catch { /* gone */ }
  }
  return out.filter((c) => !c.includes('esbuild --service'));
}
