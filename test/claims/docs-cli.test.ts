import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../harness/cli/docs.ts';
import { renderClaimsMarkdown } from '../../harness/claims/claims-doc.ts';

describe('gauntlet docs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes claims.md into --out', async () => {
    expect(await run(['--out', dir, '--only', 'claims'])).toBe(0);
    expect(readFileSync(path.join(dir, 'claims.md'), 'utf8')).toBe(renderClaimsMarkdown());
    expect(existsSync(path.join(dir, 'gguf-corruptions.md'))).toBe(false);
  });

  it('rejects unknown flags and values as usage errors', async () => {
    await expect(run(['--only', 'everything'])).rejects.toMatchObject({ code: 'GAUNTLET_USAGE', message: expect.stringMatching(/--only: expected "claims" or "gguf", got "everything"/) });
    await expect(run(['--nope'])).rejects.toMatchObject({ code: 'GAUNTLET_USAGE' });
  });
});
