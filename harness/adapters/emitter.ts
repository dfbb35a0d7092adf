import type { LifecycleEvent, LifecycleListener } from './types.ts';

/** A tiny lifecycle event fan-out shared by the adapters (a listener that throws does not break the others). */
export class LifecycleEmitter {
  private readonly listeners: LifecycleListener[] = [];
  on(listener: LifecycleListener): void {
    this.listeners.push(listener);
  }
  emit(type: string, data: Record<string, unknown> = {}): void {
    const event: LifecycleEvent = { ...data, type, at: Date.now() };
    this.forward(event);
  }
  forward(event: LifecycleEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a broken listener must not break the adapter
      }
    }
  }
}

/** L2-normalises a vector in place (zero vectors are left as they are) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
