/** What machine and versions a run happened on (report.environment). */
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
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

/** The git commit the package runs from (a checkout), with "+dirty" when files differ from it; undefined elsewhere. */
export function sourceCommit(root = PACKAGE_ROOT): string | undefined {
  if (!existsSync(path.join(root, '.git'))) return undefined;
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short=12', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `${head}${dirty ? '+dirty' : ''}`;
  } catch {
    return undefined;
  }
}

export function environmentInfo(extra: { memoryLimitMechanism?: string } = {}): EnvironmentInfo {
  const cpus = os.cpus();
  const commit = sourceCommit();
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
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...(commit ? { commit } : {}),
    ...(extra.memoryLimitMechanism ? { memoryLimitMechanism: extra.memoryLimitMechanism } : {}),
  };
}
