/**
 * What every in-process client shares, whatever its engine: no embedder process (no pid, no stats message), a ping
 * that only proves the adapter is started, batches as concurrent single embeds within the batch limit, lifecycle
 * events with the host's own pid, and the closed / not-started checks.
 */
import { GauntletError } from '../util/errors.ts';
import { LifecycleEmitter } from './emitter.ts';
import type { EmbedCallOptions, EmbedderClient, LifecycleListener, ResolvedAdapter, StartInfo } from './types.ts';

export abstract class InProcessClientBase implements EmbedderClient {
  readonly kind = 'in-process' as const;
  readonly name: string;
  protected readonly events = new LifecycleEmitter();
  protected closed = false;

  constructor(protected readonly resolved: ResolvedAdapter) {
    this.name = resolved.name;
  }

  abstract start(): Promise<StartInfo>;
  abstract embed(text: string, opts?: EmbedCallOptions): Promise<Float32Array>;
  /** Frees the engine; called once, by close(). */
  protected abstract release(): Promise<void>;
  /** Whether start() has succeeded. */
  protected abstract started(): boolean;

  async embedBatch(texts: string[], opts: EmbedCallOptions = {}): Promise<Float32Array[]> {
    if (texts.length > this.resolved.maxBatch) {
      throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `batch of ${texts.length} texts is over the limit of ${this.resolved.maxBatch}`, {
        details: { code: 'batch-too-large' },
      });
    }
    return Promise.all(texts.map((t) => this.embed(t, opts)));
  }

  async ping(): Promise<number> {
    const t0 = performance.now();
    this.assertReady();
    await Promise.resolve();
    return performance.now() - t0;
  }

  embedderPid(): undefined {
    return undefined;
  }

  async embedderStats(): Promise<undefined> {
    return undefined;
  }

  on(_event: 'lifecycle', listener: LifecycleListener): void {
    this.events.on(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
    this.events.emit('exit', { pid: process.pid, graceful: true });
  }

  protected assertReady(): void {
    if (this.closed) throw new GauntletError('GAUNTLET_CLOSED', `adapter ${this.name} is closed`);
    if (!this.started()) throw new GauntletError('GAUNTLET_EMBEDDER_ERROR', `adapter ${this.name} is not started: call start() first`);
  }
}
