/** CPU use of any process, through pidusage (reads /proc on Linux), bounded by a deadline. */
import pidusage from 'pidusage';
import { GauntletError } from '../util/errors.ts';

export interface CpuSample {
  /** Percent of one core since the previous sample of this pid (0..100 x cores); 0 on the first sample. */
  cpuPercent: number;
  /** User + system CPU time of the process so far, ms. */
  cpuMs: number;
  /** Resident memory as pidusage sees it, bytes. */
  rss: number;
  /** ms since the process started. */
  elapsedMs: number;
}

/** One CPU sample of `pid`; `undefined` when the process is gone. Rejects with GAUNTLET_TIMEOUT past `timeoutMs`. */
export async function sampleCpu(pid: number, timeoutMs = 2000): Promise<CpuSample | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GauntletError('GAUNTLET_TIMEOUT', `sampleCpu(${pid}): no answer from pidusage within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const s = await Promise.race([pidusage(pid), deadline]);
    return { cpuPercent: s.cpu, cpuMs: s.ctime, rss: s.memory, elapsedMs: s.elapsed };
  } catch (e) {
    if (e instanceof GauntletError) throw e;
    const msg = String((e as Error)?.message ?? e);
    if (/no such process|ENOENT|ESRCH|No matching pid/i.test(msg) || (e as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
