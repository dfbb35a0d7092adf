/** A FIFO of byte chunks that hands out exact-length slices without copying when a slice lies in one chunk. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }

  /** Big-endian uint32 at the front; the caller ensures length >= 4. */
  peekUint32BE(): number {
    const first = this.chunks[0]!;
    if (first.length - this.head >= 4) return first.readUInt32BE(this.head);
    const four = Buffer.alloc(4);
    let filled = 0;
    for (let i = 0, off = this.head; filled < 4; i++, off = 0) {
      const c = this.chunks[i]!;
      filled += c.copy(four, filled, off, Math.min(c.length, off + 4 - filled));
    }
    return four.readUInt32BE(0);
  }

  /** Removes and returns the first n bytes; the caller ensures length >= n. */
  take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.skip(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const copied = c.copy(out, filled, this.head, Math.min(c.length, this.head + n - filled));
      filled += copied;
      this.skip(copied);
    }
    return out;
  }

  private skip(n: number): void {
    this.length -= n;
    this.head += n;
    while (this.chunks.length > 0 && this.head >= this.chunks[0]!.length) {
      this.head -= this.chunks[0]!.length;
      this.chunks.shift();
    }
  }
}
