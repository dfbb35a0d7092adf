/** llama.cpp's source as node-llama-cpp ships it: llama/gitRelease.bundle (a git bundle) and its release tag. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { GauntletError } from '../util/errors.ts';
import { nodeLlamaCppMissing } from './node-llama-cpp.ts';

const require = createRequire(import.meta.url);

export interface LlamaSource { bundle: string; tag: string; commit: string; nodeLlamaCppDir: string }

function nodeLlamaCppDir(): string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve('node-llama-cpp'));
  } catch (e) {
    throw new GauntletError('GAUNTLET_USAGE', `${nodeLlamaCppMissing('building llama-server (llama.cpp\'s source comes from it)')}`, { cause: e });
  }
  for (let i = 0; i < 6 && !existsSync(path.join(dir, 'llama', 'llama.cpp.info.json')); i++) dir = path.dirname(dir);
  return dir;
}

export function llamaSource(): LlamaSource {
  const root = nodeLlamaCppDir();
  const info = path.join(root, 'llama', 'llama.cpp.info.json');
  const bundle = path.join(root, 'llama', 'gitRelease.bundle');
  if (!existsSync(info) || !existsSync(bundle)) {
    throw new GauntletError('GAUNTLET_USAGE', `node-llama-cpp at ${root} has no llama/gitRelease.bundle + llama.cpp.info.json (its llama.cpp source); reinstall node-llama-cpp`);
  }
  const tag = (JSON.parse(readFileSync(info, 'utf8')) as { tag?: string }).tag ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['bundle', 'list-heads', bundle], { encoding: 'utf8' }).split(/\s/)[0]!.slice(0, 12);
  } catch { /* git missing: the build's preflight names it */ }
  return { bundle, tag, commit, nodeLlamaCppDir: root };
}
