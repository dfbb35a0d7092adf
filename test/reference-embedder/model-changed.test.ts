/**
 * The reference embedder and its mapped model file changing under it: modified in place (same inode) -> the request
 * is refused with `model-changed` and the process exits so a supervisor restarts it; renamed over -> still serves
 * the mapped (old) weights, bit-identical.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmbedder, tinyModel, type Embedder } from './helpers.ts';

let dir: string;
let model: string;
const live: Embedder[] = [];

beforeAll(async () => {
  ({ dir, model } = await tinyModel());
});
afterAll(() => {
  for (const e of live) e.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function started(file: string): Promise<{ e: Embedder; first: Float32Array }> {
  const e = spawnEmbedder(['--transport', 'stdio']);
  live.push(e);
  const init = await e.request({ type: 'initialize', modelPath: file }, 30_000);
  expect(init.type).toBe('initialized');
  const r = await e.request({ type: 'embed', text: 'model file watch' });
  expect(r.type).toBe('embedding');
  return { e, first: (r as { vector: Float32Array }).vector };
}

describe('reference embedder: model file changed while mapped', () => {
  it('in place (same inode): refuses with model-changed, then exits 75 for a restart', async () => {
    const file = path.join(dir, 'inplace.gguf');
    fs.copyFileSync(model, file);
    const { e } = await started(file);
    const ino = fs.statSync(file).ino;
    const fd = fs.openSync(file, 'r+');
    const size = fs.fstatSync(fd).size;
    fs.writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, Math.floor(size * 0.6));
    fs.closeSync(fd);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000)); // a distinct mtime even on a coarse clock
    expect(fs.statSync(file).ino).toBe(ino);
    const r = await e.request({ type: 'embed', text: 'model file watch' });
    expect(r.type).toBe('error');
    expect((r as { code: string }).code).toBe('model-changed');
    expect((r as { message: string }).message).toMatch(/modified in place/);
    const exit = await Promise.race([e.exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), 5_000))]);
    expect(exit?.code).toBe(75);
  });

  it('renamed over (new inode): the mapped weights are intact and the vector is unchanged', async () => {
    const file = path.join(dir, 'renamed.gguf');
    fs.copyFileSync(model, file);
    const { e, first } = await started(file);
    const other = `${file}.new`;
    fs.writeFileSync(other, Buffer.alloc(1024, 0xff));
    fs.renameSync(other, file);
    const r = await e.request({ type: 'embed', text: 'model file watch' });
    expect(r.type).toBe('embedding');
    const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    expect(bytes((r as { vector: Float32Array }).vector).equals(bytes(first))).toBe(true);
    e.kill();
  });
});
