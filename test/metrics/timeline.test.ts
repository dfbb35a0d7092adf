import { describe, expect, it } from 'vitest';
import { Timeline } from '../../harness/metrics/timeline.ts';

describe('Timeline', () => {
  it('stamps events relative to its start and finds intervals between kinds', () => {
    let now = 1000;
    const tl = new Timeline(() => now);
    const seen: string[] = [];
    const off = tl.onEvent((e) => seen.push(e.label));
    now = 1010;
    tl.add('fault', 'SIGKILL embedder', { signal: 'SIGKILL' });
    now = 1012.5;
    tl.add('crash', 'embedder exited');
    off();
    now = 1850;
    tl.add('ready', 'embedder ready');
    expect(tl.events().map((e) => e.t)).toEqual([10, 12.5, 850]);
    expect(tl.events('fault')[0]).toEqual({ t: 10, kind: 'fault', label: 'SIGKILL embedder', details: { signal: 'SIGKILL' } });
    expect(tl.between('fault', 'ready')).toBe(840);
    expect(tl.between('restart', 'ready')).toBeUndefined();
    expect(seen).toEqual(['SIGKILL embedder', 'embedder exited']);
    expect(JSON.parse(JSON.stringify(tl))).toHaveLength(3);
    expect(tl.elapsed()).toBe(850);
  });
});
