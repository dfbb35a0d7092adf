/** Keeps the last `maxBytes` of a stream's text (for stderr tails in results and errors). */
export class TailBuffer {
  private text = '';
  constructor(private readonly maxBytes = 4096) {}
  push(chunk: Buffer | string): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.text.length > this.maxBytes * 2) this.text = this.text.slice(-this.maxBytes);
  }
  toString(): string {
    return this.text.length > this.maxBytes ? this.text.slice(-this.maxBytes) : this.text;
  }
}
