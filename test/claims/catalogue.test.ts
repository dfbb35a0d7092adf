import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAIMS, claimsForConfig } from '../../harness/claims/catalogue.ts';
import { renderClaimsMarkdown } from '../../harness/claims/claims-doc.ts';
import { METRICS } from '../../harness/claims/metrics-catalogue.ts';
import { resolveClaims } from '../../harness/claims/resolve.ts';
import {
  NON_TARGET_NUMBERS, claimText, extractQuantities, sameQuantity, seedTargetFigures, uncoveredFigures,
} from '../../harness/claims/seed-numbers.ts';
import { SEEDS } from '../../harness/claims/seeds.ts';
import { SCENARIO_IDS, type Claim } from '../../harness/claims/types.ts';
import { GauntletError } from '../../harness/util/errors.ts';
import { PACKAGE_ROOT } from '../../harness/util/ts-runner.ts';

const SEEDS_DIR = process.env.GAUNTLET_SEEDS_DIR ?? path.resolve(PACKAGE_ROOT, '..', 'shared', 'seeds');
const haveSeeds = Object.values(SEEDS).every((s) => existsSync(path.join(SEEDS_DIR, s.document)));
const seedText = (id: keyof typeof SEEDS) => readFileSync(path.join(SEEDS_DIR, SEEDS[id].document), 'utf8');

describe('CLAIMS', () => {
  it('all resolve: unique kebab-case ids, known metrics, thresholds that fit their metric kinds', () => {
    const resolved = resolveClaims(CLAIMS);
    expect(resolved).toHaveLength(CLAIMS.length);
    expect(CLAIMS.length).toBeGreaterThanOrEqual(50);
  });

  it('covers both kinds and both severities, and every thesis says what a refutation means', () => {
    const theses = CLAIMS.filter((c) => c.kind === 'thesis');
    expect(theses.length).toBeGreaterThanOrEqual(5);
    for (const t of theses) {
      expect(t.kind === 'thesis' && t.refutedMeans.length > 10 && t.statement.length > 10).toBe(true);
    }
    expect(CLAIMS.some((c) => c.severity === 'required')).toBe(true);
    expect(CLAIMS.some((c) => c.severity === 'advisory')).toBe(true);
    for (const c of CLAIMS) expect(c.rationale.length, c.id).toBeGreaterThan(20);
  });

  it('every claim draws on each of the five seeds somewhere', () => {
    for (const id of Object.keys(SEEDS)) expect(CLAIMS.some((c) => c.source.seed === id), `seed ${id}`).toBe(true);
  });

  it('every metric names only known scenarios', () => {
    for (const [name, def] of Object.entries(METRICS)) {
      for (const s of def.scenarios) expect(SCENARIO_IDS, name).toContain(s);
    }
  });
});

describe.skipIf(!haveSeeds)('claims against the seed documents', () => {
  const headings = (text: string) => text.split(/\r?\n/)
    .filter((l) => /^#{1,6}\s/.test(l))
    .map((l) => l.replace(/^#+\s*/, '').replace(/[^\x20-\x7e]/g, '').replace(/:\s*$/, '').trim().toLowerCase());

  it('every source section is a heading of its seed', () => {
    const all = CLAIMS.flatMap((c) => [c.source, ...(c.alsoIn ?? [])].map((s) => ({ id: c.id, s })));
    for (const { id, s } of all) {
      expect(s.document).toBe(SEEDS[s.seed].document);
      const hs = headings(seedText(s.seed));
      for (const part of s.section.split(' > ')) expect(hs, `${id}: "${part}" in seed ${s.seed}`).toContain(part.toLowerCase());
    }
  });

  it('every number with a unit on a target-like line of a seed is stated by a claim from that seed, or allow-listed', () => {
    let figures = 0;
    for (const id of Object.keys(SEEDS) as Array<keyof typeof SEEDS>) {
      const found = seedTargetFigures(id, seedText(id));
      figures += found.length;
      const missing = uncoveredFigures(found, CLAIMS).map((f) => `seed ${f.seed} line ${f.line}: ${f.quantity.text} (${f.lineText.slice(0, 80)})`);
      expect(missing).toEqual([]);
    }
    expect(figures).toBeGreaterThan(80);
  });

  it('the allow-list holds only figures that are in the seeds and stated by no claim', () => {
    for (const n of NON_TARGET_NUMBERS) {
      const found = seedTargetFigures(n.seed, seedText(n.seed));
      const qs = extractQuantities(n.quantity);
      expect(qs.length, n.quantity).toBeGreaterThan(0);
      expect(found.some((f) => qs.some((q) => sameQuantity(q, f.quantity))), `${n.quantity} in seed ${n.seed}`).toBe(true);
      const fromSeed = CLAIMS.filter((c) => c.source.seed === n.seed || (c.alsoIn ?? []).some((s) => s.seed === n.seed));
      const stated = (x: (typeof qs)[number]) => fromSeed.some((c) => extractQuantities(claimText(c)).some((q) => sameQuantity(q, x)));
      expect(qs.every(stated), `${n.quantity} is already stated by a claim; drop it from the allow-list`).toBe(false);
      expect(n.reason.length).toBeGreaterThan(30);
    }
  });

  it('the scanner catches a target figure that no claim states', () => {
    const fake = seedTargetFigures('001', '- **Warm restart**: <750ms\n- **Idle RSS**: 12MB (not a target line? it is: max)');
    expect(uncoveredFigures(fake, CLAIMS).map((f) => f.quantity.text)).toEqual(['750ms', '12MB']);
  });
});

describe('seed number extraction', () => {
  it.each([
    ['<100MB total', [['bytes', 1e8]]],
    ['50-70% lower', [['percent', 50], ['percent', 70]]],
    ['>100,000 msg/sec and 10K/sec', [['rate', 100_000], ['rate', 10_000]]],
    ['<5 seconds, 0.1ms', [['time', 5000], ['time', 0.1]]],
    ['5-10x improvement, >1GB/sec', [['times', 5], ['times', 10], ['byte-rate', 1e9]]],
    ['Q4_K_M on x64, arm64, 0600', []],
  ] as Array<[string, Array<[string, number]>]>)('%s', (text, expected) => {
    expect(extractQuantities(text).map((q) => [q.family, q.value])).toEqual(expected);
  });
});

describe('claimsForConfig', () => {
  it('returns every claim resolved by default', () => {
    const all = claimsForConfig();
    expect(all.map((c) => c.id)).toEqual(CLAIMS.map((c) => c.id));
    expect(all[0]!.resolved.threshold.check).toBeTypeOf('function');
  });

  it('applies overrides and drops claims set to false', () => {
    const out = claimsForConfig({
      'host-rss-under-100mb': { threshold: 'max<200MB', severity: 'advisory' },
      'restart-under-3s': false,
    });
    const rss = out.find((c) => c.id === 'host-rss-under-100mb')!;
    expect(rss.resolved.threshold.limit).toBe(200e6);
    expect(rss.severity).toBe('advisory');
    expect(out.some((c) => c.id === 'restart-under-3s')).toBe(false);
    expect(out).toHaveLength(CLAIMS.length - 1);
  });

  it('accepts extra claims of the user', () => {
    const extra: Claim = { ...CLAIMS[0]!, id: 'my-rss', threshold: 'max<80MB' };
    expect(claimsForConfig({}, [extra]).at(-1)!.id).toBe('my-rss');
  });

  it.each([
    [{ 'host-rss-under-100m': { threshold: 'max<1MB' } }, /claims.host-rss-under-100m: no such claim; did you mean "host-rss-under-100mb"/],
    [{ 'host-rss-under-100mb': { threshold: 'p50<25ms' } }, /claims.host-rss-under-100mb.threshold: threshold "p50<25ms": .*does not apply to a bytes metric|unit "ms" \(time\) does not fit a bytes metric/],
    [{ 'host-rss-under-100mb': { severity: 'fatal' } }, /claims.host-rss-under-100mb.severity: .*got \{"severity":"fatal"\}/],
    [{ 'host-rss-under-100mb': { treshold: 'max<1MB' } }, /claims.host-rss-under-100mb: .*treshold/],
  ])('rejects %j with a message that quotes it', (overrides, re) => {
    let caught: unknown;
    try {
      claimsForConfig(overrides as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GauntletError);
    expect((caught as GauntletError).code).toBe('GAUNTLET_CONFIG_INVALID');
    expect((caught as Error).message).toMatch(re);
  });

  it('rejects an extra claim with an unknown metric or a duplicate id', () => {
    expect(() => claimsForConfig({}, [{ ...CLAIMS[0]!, id: 'x', metric: 'host.nope' }])).toThrow(/claims.x.metric: unknown metric "host.nope"/);
    expect(() => claimsForConfig({}, [CLAIMS[0]!])).toThrow(/duplicate claim id "host-rss-under-100mb"/);
  });
});

describe('docs/claims.md', () => {
  const md = renderClaimsMarkdown(CLAIMS);

  it('is up to date with the claim list (run `gauntlet docs` to regenerate)', () => {
    expect(readFileSync(path.join(PACKAGE_ROOT, 'docs', 'claims.md'), 'utf8')).toBe(md);
  });

  it('lists every claim with its threshold and every source', () => {
    for (const c of CLAIMS) {
      expect(md).toContain(`\`${c.id}\``);
      expect(md).toContain(`\`${c.threshold}\``);
      for (const s of [c.source, ...(c.alsoIn ?? [])]) expect(md).toContain(`seed ${s.seed} §${s.section}`);
    }
    for (const n of NON_TARGET_NUMBERS) expect(md).toContain(n.reason);
  });
});
