/**
 * The embedding-level fault switches that break one category of the hard-text corpus (harness/corpus) and nothing
 * else, so that selfcheck can prove `embeddings-match-reference` names the category (faults.ts has their table).
 *
 * no-nfd and no-cjk-split rewrite the text before the engine sees it, into what a tokenizer with that defect makes of
 * it for the generated (ASCII) vocabulary: a precomposed accented letter that is not decomposed, or an ideograph that
 * is not split off, is a letter the vocabulary lacks inside its word, so the word becomes one [UNK]. The stand-in
 * letter "ø" has no decomposition, is not split off and has no piece, so llama.cpp makes the same [UNK] of it.
 * pad-batch works on token ids (the llama engine's tokenize / embedTokens); short-context moves the context check.
 */
import { isChineseChar } from '../harness/gguf/tokenizer.ts';
import { EngineError, type Engine } from './engine-types.ts';
import type { ActiveFaults } from './faults.ts';

const UNKNOWN_LETTER = '\u00f8';

/** The text as the text-level faults leave it (unchanged when neither is on). */
export function faultyText(faults: ActiveFaults, text: string): string {
  if (!faults['no-nfd'] && !faults['no-cjk-split']) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (faults['no-cjk-split'] && isChineseChar(String.fromCodePoint(c).normalize('NFD').codePointAt(0)!)) {
      out += UNKNOWN_LETTER;
      continue;
    }
    if (faults['no-nfd']) {
      const d = ch.normalize('NFD');
      if (d !== ch && /^[A-Za-z]$/.test(d[0]!)) {
        out += UNKNOWN_LETTER;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/**
 * engine.checkFits, with short-context's limit VALUE tokens lower: a valid text of context - 1 tokens is refused
 * with the same error an over-long one gets.
 */
export function checkFitsWithFaults(engine: Engine, faults: ActiveFaults, text: string, where: string): void {
  const cut = faults['short-context'];
  if (typeof cut === 'number' && cut > 0) {
    const n = engine.inputLength(faultyText(faults, text));
    const most = engine.contextSize - 1 - cut;
    if (n > most) throw new EngineError('too-many-tokens', `${where} is ${n} tokens; the context holds at most ${most}`);
  }
  engine.checkFits(text, where);
}

/** Whether any fault of this module is on (the service takes its plain path otherwise). */
export function hasCorpusFault(faults: ActiveFaults): boolean {
  return Boolean(faults['no-nfd'] || faults['no-cjk-split'] || faults['pad-batch']);
}

function tokenLevel(engine: Engine): Required<Pick<Engine, 'tokenize' | 'embedTokens'>> & { padTokenId: number } {
  if (!engine.tokenize || !engine.embedTokens) {
    throw new EngineError('internal', `the ${engine.kind} engine exposes no token ids; the pad-batch fault needs the llama engine`);
  }
  return { tokenize: engine.tokenize.bind(engine), embedTokens: engine.embedTokens.bind(engine), padTokenId: engine.padTokenId ?? 0 };
}

/** Embeds every text of one request with the corpus faults applied. */
export async function embedWithCorpusFaults(engine: Engine, faults: ActiveFaults, texts: string[]): Promise<Float32Array[]> {
  const inputs = texts.map((t) => faultyText(faults, t));
  const lengths = inputs.map((t) => engine.inputLength(t));
  const longest = Math.max(...lengths);
  return Promise.all(inputs.map(async (t, i) => {
    const n = lengths[i]!;
    if (faults['pad-batch'] && texts.length > 1 && n < longest) {
      const tl = tokenLevel(engine);
      // [CLS] ids [PAD]... [SEP]: node-llama-cpp appends [SEP] after the padding, so the sequence is `longest` long.
      return tl.embedTokens([...tl.tokenize(t), ...Array.from({ length: longest - n }, () => tl.padTokenId)]);
    }
    return engine.embed(t);
  }));
}
