/** Splits a command line the way a POSIX shell splits words: blanks separate, quotes group, backslash escapes. */
import { usageError } from '../util/errors.ts';

/**
 * `python3 "my embedder.py" --flag 'a b'` -> ['python3', 'my embedder.py', '--flag', 'a b']. No expansion of any kind
 * ($VAR, ~, globs): the argv is written into the config as it is, and the host spawns it without a shell.
 */
export function splitCommand(flag: string, text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += ch;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\' && i + 1 < text.length) word += text[++i];
    else word += ch;
  }
  if (quote) throw usageError(`${flag}: unterminated ${quote} quote in ${JSON.stringify(text)}; close it, or quote the whole command once: ${flag} "python3 embedder.py"`);
  if (inWord) words.push(word);
  if (words.length === 0) throw usageError(`${flag}: expected a command such as "python3 embedder.py", got ${JSON.stringify(text)}`);
  return words;
}
