/**
 * The model a run uses: a given file (checked to exist), or a synthetic one generated on first use and cached.
 * Generation writes a temp file beside the target and renames it, so parallel runs never see a partial file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { generateModel } from '../gguf/generator.ts';
import { GauntletError } from '../util/errors.ts';
import type { ModelSource } from './types.ts';

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}

export async function ensureModel(model: ModelSource): Promise<string> {
  if (model.kind === 'file') {
    if (!(await exists(model.path))) {
      throw new GauntletError('GAUNTLET_USAGE', `model ${JSON.stringify(model.path)} does not exist or is empty; give a GGUF file path, or omit model to use the generated tiny one`);
    }
    return model.path;
  }
  if (await exists(model.path)) return model.path;
  await mkdir(path.dirname(model.path), { recursive: true });
  const tmp = `${model.path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await generateModel({ preset: model.preset, seed: model.seed, dtype: model.dtype, arch: model.arch, pooling: model.pooling, out: tmp });
    await rename(tmp, model.path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return model.path;
}
