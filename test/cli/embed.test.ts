import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureModel } from '../../harness/config/ensure-model.ts';
import { resolveConfig } from '../../harness/config/resolve-config.ts';
import { loadOracle, type Oracle } from '../../harness/gguf/oracle.ts';
import { packagePath } from '../../harness/util/ts-runner.ts';
import { shmLikelyAvailable } from '../../harness/transport/shm-native.ts';

const run = promisify(execFile);
const BIN = packagePath('bin', 'gauntlet.mjs');
const TEXTS = ['hello world', 'the quick brown fox'];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
}

let oracle: Oracle;
beforeAll(async () => {
  oracle = await loadOracle(await ensureModel(resolveConfig({}).model));
});

describe('gauntlet embed (orchestrator -> host -> adapter -> embedder)', () => {
  it.each(['reference', 'reference-uds', 'reference-ndjson', 'reference-http', 'in-process'])(
    '--adapter %s matches the oracle (cosine >= 0.9999)',
    async (adapter) => {
      const { stdout } = await run(process.execPath, [BIN, 'embed', '--adapter', adapter, '--json', ...TEXTS], { timeout: 60_000 });
      const out = JSON.parse(stdout) as { adapter: string; model: string; dims: number; vectors: number[][] };
      expect(out.adapter).toBe(adapter);
      expect(out.dims).toBe(oracle.dims);
      expect(out.vectors).toHaveLength(TEXTS.length);
      TEXTS.forEach((text, i) => {
        const expected = oracle.embed(text);
        expect(out.vectors[i]).toHaveLength(expected.length);
        expect(cosine(out.vectors[i]!, expected)).toBeGreaterThanOrEqual(0.9999);
      });
    },
  );

  it('an unknown adapter fails with exit code 2 and lists the known ones', async () => {
    const err = (await run(process.execPath, [BIN, 'embed', '--adapter', 'rust', 'x'], { timeout: 30_000 }).catch((e) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(`unknown adapter "rust"; known adapters: reference, reference-uds, reference-ndjson, reference-http, in-process, reference-standby${shmLikelyAvailable().ok ? ', reference-shm' : ''}`);
  });

  it('a config error names the file and quotes the bad value', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-embed-'));
    try {
      const file = path.join(dir, 'gauntlet.config.ts');
      writeFileSync(file, `export default { adapters: { rust: { kind: 'process', command: 'embed', transport: 'stdio', codec: 'msgpack' } } };\n`);
      const err = (await run(process.execPath, [BIN, 'embed', '--config', file, '--adapter', 'rust', 'x'], { timeout: 30_000 }).catch((e) => e)) as {
        code: number;
        stderr: string;
      };
      expect(err.code).toBe(2);
      expect(err.stderr).toContain('adapters.rust.command: expected a non-empty array, got "embed" (string)');
      expect(err.stderr).toContain('GAUNTLET_CONFIG_INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
