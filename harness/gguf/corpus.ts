/**
 * The fixed corpus the oracle and real embedders are compared on: plain words, punctuation, digits, mixed case,
 * accents, non-Latin scripts, CJK, emoji, whitespace and control-character edge cases, and (per model) one text
 * that fills the context. Texts without any token ("", "   ", a lone zero-width space) are included on purpose:
 * node-llama-cpp answers them with a zero-length vector, and so must the oracle.
 */

export const CORPUS: readonly string[] = [
  // plain words and sentences
  'hello',
  'hello world',
  'the model file',
  'This is a test of the memory of the process.',
  'What was that? It was the data!',
  'all that is not data can be text',
  'the quick brown fox jumps over the lazy dog',
  'a b c d e f g h i j k l m n o p q r s t u v w x y z',
  'processing tested files quickly and carefully',
  'unbelievable kindness and readable statements',
  // mixed case
  'HELLO WORLD',
  'HeLLo WoRLd',
  'CamelCaseIdentifierName',
  'iPhone eBay McDonald',
  // punctuation and ASCII symbols
  'a,b;c',
  'Hello, world! How are you?',
  '(parentheses) [brackets] {braces} <angles>',
  '!!!???...',
  '"double" \'single\' `backtick`',
  'path/to/file.gguf --flag=value',
  'https://example.com/a?b=c&d=e#frag',
  'x += y * (z - 1) / 2 % 3 ^ 4',
  '@user #tag $money 100% ~tilde | pipe \\ backslash',
  'snake_case_name and kebab-case-name',
  // digits
  '0123456789',
  'in 2024 there were 365 days and 8760 hours',
  '3.14159 2.71828 1e-12 -42 +7',
  'version 3.22.1 of the file',
  // accents and other Latin
  'Héllo wörld, naïve café',
  'résumé façade coöperate jalapeño',
  'ÀÉÎÕÜ àéîõü ÇÑ çñ',
  'Straße STRASSE ẞ',
  'İstanbul ıi Iİ',
  'e\u0301 combining acute',
  'Ångström Øresund Æsir',
  // other scripts
  'Привет мир',
  'Καλημέρα κόσμε ΣΟΦΟΣ',
  'مرحبا بالعالم',
  'שלום עולם',
  'नमस्ते दुनिया',
  '안녕하세요 세계',
  'สวัสดีชาวโลก',
  // CJK
  '日本語のテキスト',
  '中文文本测试',
  'mixed 中文 and english',
  '漢字かなカナ',
  // symbols, emoji
  'emoji 😀 here',
  '👍🏽 thumbs',
  '👨‍👩‍👧‍👦 family',
  '🇫🇷 flag',
  '∑ ∫ √ ∞ ≠ ≤',
  '€100 £50 ¥1000 ₹10',
  '© ® ™ ° ± µ',
  'ﬁne ligature ＦＵＬＬＷＩＤＴＨ',
  // whitespace and control characters
  '  leading and trailing spaces  ',
  'tabs\tand\nnewlines\r\nhere',
  'non\u00a0breaking\u3000ideographic\u2028line',
  'soft\u00adhyphen zero\u200bwidth',
  'nul\u0000inside',
  '\ufeffbom at start',
  'lone surrogate abc\ud800def',
  '\u2581hello with a word-start mark',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  // texts without tokens: node-llama-cpp returns a zero-length vector
  '',
  '   ',
  '\u200b',
];

const FILLER = ['the', 'model', 'file', 'data', 'test', 'text', 'process', 'memory'];

/** Text of `words` filler words. */
function filler(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(FILLER[i % FILLER.length]!);
  return out.join(' ');
}

/**
 * The longest filler text whose evaluated token count (as `encode` counts it, [CLS]/[SEP] included) is at most
 * `maxTokens`. node-llama-cpp refuses an input of contextSize tokens or more, so pass contextSize - 1.
 */
export function longText(encode: (text: string) => number[], maxTokens: number): string {
  let lo = 0;
  let hi = maxTokens;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (encode(filler(mid)).length <= maxTokens) lo = mid;
    else hi = mid - 1;
  }
  return filler(lo);
}

/** The corpus for one model: the fixed texts plus one that fills the context to contextSize - 1 tokens. */
export function corpusFor(encode: (text: string) => number[], contextSize: number): string[] {
  return [...CORPUS, longText(encode, contextSize - 1)];
}
