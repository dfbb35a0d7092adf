import type { FileHandle } from 'node:fs/promises';
import { GgufFormatError } from './errors.ts';

const CHUNK = 64 * 1024;

/**
 * A forward-only reader over a FileHandle with a bounded window. It never reads (or allocates) past the end of
 * the file: every length is checked against what is left before a byte is buffered.
 */
export class FileCursor {
  pos = 0;
  private buf: Buffer = Buffer.alloc(CHUNK);
  private bufStart = 0;
  private bufEnd = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly fileSize: number,
  ) {}

  get remaining(): number {
    return this.fileSize - this.pos;
  }

  /** True when `n` bytes from `pos` are already buffered (the fast, synchronous path). */
  has(n: number): boolean {
    return this.pos >= this.bufStart && this.pos + n <= this.bufEnd;
  }

  /** Buffers `n` bytes from `pos`, or throws GGUF_TRUNCATED naming `field` when the file ends first. */
  async fill(n: number, field: string): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining) {
      throw new GgufFormatError(
        'GGUF_TRUNCATED',
        this.pos,
        field,
        `file ends inside ${field}: needs ${n} bytes, ${this.remaining} left of ${this.fileSize}`,
      );
    }
    const want = Math.min(Math.max(n, CHUNK), this.remaining);
    if (this.buf.length < want) this.buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(this.buf, got, want - got, this.pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < n) {
      throw new GgufFormatError('GGUF_IO', this.pos, field, `short read: got ${got} of ${n} bytes (file changed while read?)`);
    }
    this.bufStart = this.pos;
    this.bufEnd = this.pos + got;
  }

  private at(): number {
    return this.pos - this.bufStart;
  }

  async u8(field: string): Promise<number> {
    if (!this.has(1)) await this.fill(1, field);
    const v = this.buf[this.at()]!;
    this.pos += 1;
    return v;
  }
  async u32(field: string): Promise<number> {
    if (!this.has(4)) await this.fill(4, field);
    const v = this.buf.readUInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async u64(field: string): Promise<bigint> {
    if (!this.has(8)) await this.fill(8, field);
    const v = this.buf.readBigUInt64LE(this.at());
    this.pos += 8;
    return v;
  }
  /** Reads `n` bytes (n must already be checked against `remaining`). The returned view is only valid until the next read. */
  async bytes(n: number, field: string): Promise<Buffer> {
    if (!this.has(n)) await this.fill(n, field);
    const start = this.at();
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }
  /** Fixed-size scalar of `size` bytes decoded by `decode`. */
  async scalar<T>(size: number, field: string, decode: (b: Buffer, o: number) => T): Promise<T> {
    if (!this.has(size)) await this.fill(size, field);
    const v = decode(this.buf, this.at());
    this.pos += size;
    return v;
  }
}
