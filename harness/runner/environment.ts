/** What machine and versions a run happened on (report.environment). */
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EnvironmentInfo } from '../report/schema.ts';
import { PACKAGE_ROOT } from '../util/ts-runner.ts';

function versionAt(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** node-llama-cpp's version from its package.json (found next to its resolved entry), or "not installed". */
export function nodeLlamaCppVersion(): string {
  try {
    const req = createRequire(path.join(PACKAGE_ROOT, 'package.json'));
    let dir = path.dirname(req.resolve('node-llama-cpp'));
    for (let i = 0; i < 6; i++) {
      const v = versionAt(path.join(dir, 'package.json'));
      const name = (() => { try { return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name; } catch { return undefined; } })();
      if (v && name === 'node-llama-cpp') return v;
      dir = path.dirname(dir);
    }
  } catch { /* fall through */ }
  return versionAt(path.join(PACKAGE_ROOT, 'node_modules', 'node-llama-cpp', 'package.json')) ?? 'not installed';
}

export function environmentInfo(extra: { memoryLimitMechanism?: string } = {}): EnvironmentInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    totalMemBytes: os.totalmem(),
    nodeLlamaCpp: nodeLlamaCppVersion(),
    gauntlet: versionAt(path.join(PACKAGE_ROOT, 'package.json')) ?? '0.0.0',
    hostname: os.hostname(),
    ...(extra.memoryLimitMechanism ? { memoryLimitMechanism: extra.memoryLimitMechanism } : {}),
  };
}
