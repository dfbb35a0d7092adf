/** What machine and versions a run happened on (report.environment). */
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { EnvironmentInfo } from '../report/schema.ts';
import { dependencyManifest, PACKAGE_ROOT } from '../util/ts-runner.ts';

function versionAt(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** node-llama-cpp's version from its package.json (wherever npm put it), or "not installed". */
export function nodeLlamaCppVersion(): string {
  return dependencyManifest('node-llama-cpp')?.version ?? 'not installed';
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
