/**
 * The corpus fault switches' text rewriting (what a tokenizer with that defect makes of a text for the generated
 * ASCII vocabulary) and their argument checks. Their effect on vectors is tested end to end in
 * test/scenarios/corpus.test.ts (each breaks its category alone) and by selfcheck.
 */
import { describe, expect, it } from 'vitest';
import { parseEmbedderArgs } from '../../reference-embedder/args.ts';
import { faultyText, hasCorpusFault } from '../../reference-embedder/corpus-faults.ts';

describe('corpus faults', () => {
  it('no-nfd turns precomposed accented Latin letters into an undecomposable unknown letter, leaving NFD text alone', () => {
    expect(faultyText({ 'no-nfd': true }, 'café naïve')).toBe('cafø naøve');
    expect(faultyText({ 'no-nfd': true }, 'cafe\u0301')).toBe('cafe\u0301');
    expect(faultyText({ 'no-nfd': true }, 'が 日本 ø')).toBe('が 日本 ø');
  });
  it('no-cjk-split makes ideographs (compatibility ones too) letters of their word; kana and Hangul stay', () => {
    expect(faultyText({ 'no-cjk-split': true }, 'mixed中文and \uf900 かな 한')).toBe('mixedøøand ø かな 한');
    expect(faultyText({ 'no-cjk-split': true }, '𠀀x')).toBe('øx');
  });
  it('leaves text alone when no text fault is on', () => {
    expect(faultyText({}, 'café 中文')).toBe('café 中文');
    expect(hasCorpusFault({ leak: 3 })).toBe(false);
    expect(hasCorpusFault({ 'pad-batch': true })).toBe(true);
  });
  it('refuses the token-level pad-batch fault on the onnx engine, naming the fix', () => {
    expect(() => parseEmbedderArgs(['--engine', 'onnx', '--fault', 'pad-batch'], {})).toThrow(/--fault pad-batch: works on token ids, which only the llama engine exposes/);
    expect(parseEmbedderArgs(['--engine', 'onnx', '--fault', 'short-context=2'], {}).faults).toEqual({ 'short-context': 2 });
  });
});
