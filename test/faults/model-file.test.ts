import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceModelFile, truncateModelFile } from '../../harness/faults/model-file.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-modelfile-'));
  file = path.join(dir, 'model.gguf');
  writeFileSync(file, Buffer.alloc(4096, 7));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('model file faults', () => {
  it('truncate keeps the inode and halves the size by default', () => {
    const ino = statSync(file).ino;
    const rec = truncateModelFile(file);
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof).toMatchObject({ sizeBefore: 4096, sizeAfter: 2048, inodeBefore: ino, inodeAfter: ino });
  });

  it('truncate to a given size; refuses a size past the end', () => {
    expect(truncateModelFile(file, { toBytes: 10 }).proof.sizeAfter).toBe(10);
    expect(() => truncateModelFile(file, { toBytes: 99 })).toThrow(/between 0 and 10, got 99/);
  });

  it('replace in place writes over the same inode', () => {
    const rec = replaceModelFile(file, Buffer.alloc(1000, 1), { mode: 'in-place' });
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof.inodeAfter).toBe(rec.proof.inodeBefore);
    expect(readFileSync(file)).toEqual(Buffer.alloc(1000, 1));
  });

  it('replace by rename gives a new inode', () => {
    const other = path.join(dir, 'other.gguf');
    writeFileSync(other, Buffer.alloc(300, 2));
    const rec = replaceModelFile(file, { fromFile: other }, { mode: 'rename' });
    expect(rec.tookEffect).toBe(true);
    expect(rec.proof.inodeAfter).not.toBe(rec.proof.inodeBefore);
    expect(statSync(file).size).toBe(300);
  });

  it('a missing file: tookEffect false', () => {
    expect(truncateModelFile(path.join(dir, 'nope')).tookEffect).toBe(false);
  });
});
