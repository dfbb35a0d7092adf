/**
 * Seeded text generators, one per corpus category that is a single text (categories.ts). Each draws from fixed
 * alphabets with the run's rng, so the same seed gives the same texts on every adapter and every machine.
 * Latin words are lower-case ASCII words the generated vocabulary tokenizes (it has every ASCII letter as a piece),
 * so that whether a word survives preprocessing shows in the vector.
 */
import type { ScenarioRng } from '../runner/rng.ts';

export const WORDS = [
  'the', 'model', 'file', 'data', 'test', 'text', 'process', 'memory', 'hello', 'world', 'vector', 'token', 'cache',
  'query', 'socket', 'local', 'embed', 'crash', 'pipe', 'node', 'cafe', 'resume', 'naive', 'facade', 'senor', 'uber',
  'garcon', 'angstrom', 'zurich', 'munchen', 'sao', 'paulo', 'creme', 'brulee', 'fiance', 'pinata', 'jalapeno',
  'elite', 'role', 'deja', 'vu', 'over', 'under', 'quick', 'brown', 'fox', 'jumps', 'lazy', 'dog', 'and', 'of', 'in',
];

/** ASCII vowel / consonant -> precomposed letters that decompose to it plus marks (NFD first code point is the key). */
const ACCENTED: Record<string, string> = {
  a: 'àáâãäåāăąǎȁȃạảấầẩẫậắằẳẵặ', e: 'èéêëēĕėęěȅȇẹẻẽếềểễệ', i: 'ìíîïĩīĭįǐȉȋỉị', o: 'òóôõöōŏőơǒȍȏọỏốồổỗộớờởỡợ',
  u: 'ùúûüũūŭůűųưǔǖǘǚǜụủứừửữự', c: 'çćĉċč', n: 'ñńņňǹ', y: 'ýÿŷȳỳỵỷỹ', s: 'śŝşšș', z: 'źżž', g: 'ĝğġģǧ', r: 'ŕŗř',
};
const CAPITAL_ACCENTED = 'ÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝÇÑŠŽĆČŘŇ';

const pickWords = (rng: ScenarioRng, min: number, max: number): string[] => Array.from({ length: rng.between(min, max) }, () => rng.pick(WORDS));
const pickChars = (rng: ScenarioRng, alphabet: string, n: number): string => {
  const chars = [...alphabet];
  return Array.from({ length: n }, () => rng.pick(chars)).join('');
};

/** A plain ASCII text: words in mixed case, a number sometimes, ASCII punctuation. */
export function asciiText(rng: ScenarioRng): string {
  const words = pickWords(rng, 2, 10).map((w) => {
    const r = rng.int(6);
    return r === 0 ? w.toUpperCase() : r === 1 ? w[0]!.toUpperCase() + w.slice(1) : w;
  });
  if (rng.int(2)) words.splice(rng.int(words.length + 1), 0, String(rng.int(100_000)));
  const end = rng.pick(['', '.', '!', '?', ',', ';', ':']);
  const joined = words.join(rng.int(3) ? ' ' : rng.pick([', ', ' - ', '/', '_']));
  return joined + end;
}

/** A word with one to three letters accented (at least one letter must have accented forms). */
function accentWord(rng: ScenarioRng, word: string): string {
  const letters = [...word];
  const spots = letters.map((c, i) => (ACCENTED[c] ? i : -1)).filter((i) => i >= 0);
  if (spots.length === 0) return word;
  for (const i of rng.shuffle(spots).slice(0, rng.between(1, Math.min(3, spots.length)))) letters[i] = rng.pick([...ACCENTED[letters[i]!]!]);
  return letters.join('');
}

/** NFC text: every word that can carry an accent does, and sometimes a capital accented word leads. */
function accentedText(rng: ScenarioRng): string {
  const words = pickWords(rng, 2, 7).map((w) => accentWord(rng, w));
  if (rng.int(3) === 0) words.unshift(rng.pick([...CAPITAL_ACCENTED]) + rng.pick(WORDS));
  if (!words.some((w) => /[^\x00-\x7f]/.test(w))) words.push(rng.pick(['café', 'naïve', 'résumé', 'jalapeño']));
  return words.join(' ').normalize('NFC');
}

function cjkChar(rng: ScenarioRng): string {
  const r = rng.int(10);
  if (r < 5) return String.fromCodePoint(0x4e00 + rng.int(0x5200)); // U+4E00..U+9FFF, the common ideographs
  if (r === 5) return String.fromCodePoint(0x3400 + rng.int(0x19b6)); // extension A
  if (r === 6) return String.fromCodePoint(0x20000 + rng.int(0xa6d0)); // extension B (astral)
  if (r === 7) return String.fromCodePoint(0xf900 + rng.int(0x100)); // compatibility ideographs (canonically decompose to unified ones)
  if (r === 8) return String.fromCodePoint(0x3041 + rng.int(0x56)); // hiragana
  return String.fromCodePoint(0x30a1 + rng.int(0x5a)); // katakana
}

function cjkText(rng: ScenarioRng): string {
  const parts: string[] = [];
  const n = rng.between(2, 5);
  for (let i = 0; i < n; i++) {
    const r = rng.int(5);
    if (r === 0) parts.push(rng.pick(WORDS));
    else if (r === 1) parts.push(String.fromCodePoint(0xac00 + rng.int(11172)) + String.fromCodePoint(0xac00 + rng.int(11172))); // Hangul
    else parts.push(Array.from({ length: rng.between(1, 6) }, () => cjkChar(rng)).join(''));
  }
  const sep = rng.pick(['', ' ', '、', '。', ' ']);
  return parts.join(sep);
}

const EMOJI = [
  '😀', '😂', '🥲', '🫠', '🤖', '🚀', '🔥', '💾', '🧪', '🐛', '👍🏽', '👋🏿', '🙌🏻', '👨‍👩‍👧‍👦', '👩🏾‍💻', '🏳️‍🌈', '🧑‍🚀',
  '❤️', '✅', '⚠️', '🇫🇷', '🇯🇵', '🇧🇷', '1️⃣', '#️⃣', '*️⃣', '𝐀𝐁𝐂', '𝔘𝔫𝔦', '𝟙𝟚𝟛', '🀄', '🂡', '𓀀', '🜁',
];

function emojiText(rng: ScenarioRng): string {
  const out: string[] = [];
  const n = rng.between(2, 6);
  for (let i = 0; i < n; i++) {
    const e = rng.pick(EMOJI);
    const r = rng.int(4);
    if (r === 0) out.push(e);
    else if (r === 1) out.push(rng.pick(WORDS) + e); // attached: a symbol is not a word boundary
    else out.push(rng.pick(WORDS), e);
  }
  if (!out.some((p) => /[a-z]/.test(p))) out.push(rng.pick(WORDS));
  return out.join(' ');
}

/** Combining marks U+0300..U+036F (Mn), enclosing marks (Me), and zero-width / format characters (Cf, Mn). */
const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u034f', '\ufe0f', '\ufe00', '\u180e', '\u2061'];
const ENCLOSING = ['\u20dd', '\u20de', '\u20df', '\u20e0', '\u20e3'];

function combiningText(rng: ScenarioRng): string {
  return pickWords(rng, 2, 6).map((w) => {
    const letters = [...w];
    const out: string[] = [];
    letters.forEach((c, i) => {
      out.push(c);
      if (i === letters.length - 1) return;
      const r = rng.int(6);
      if (r === 0) for (let k = rng.between(1, 4); k > 0; k--) out.push(String.fromCodePoint(0x300 + rng.int(0x70)));
      else if (r === 1) out.push(rng.pick(ZERO_WIDTH));
      else if (r === 2 && rng.int(3) === 0) out.push(rng.pick(ENCLOSING));
    });
    return out.join('');
  }).join(' ');
}

const ARABIC = ['مرحبا', 'بالعالم', 'كتاب', 'النموذج', 'بيانات', 'اختبار', 'ذاكرة', 'مَرْحَبًا', 'كِتَابٌ', 'سَلَامٌ', 'ﻻ', 'ﷺ'];
const HEBREW = ['שלום', 'עולם', 'מודל', 'קובץ', 'בדיקה', 'שָׁלוֹם', 'עוֹלָם', 'זִכָּרוֹן'];
const OTHER_RTL = ['سلام', 'دنیا', 'ܫܠܡܐ', 'ހެލޯ', 'ߊߟߎ'];
const BIDI = ['\u200f', '\u200e', '\u202b', '\u202e', '\u202c', '\u2067', '\u2069', '\u061c'];
const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

function rtlText(rng: ScenarioRng): string {
  const out: string[] = [];
  const n = rng.between(2, 6);
  for (let i = 0; i < n; i++) {
    const r = rng.int(7);
    if (r <= 1) out.push(rng.pick(ARABIC));
    else if (r === 2) out.push(rng.pick(HEBREW));
    else if (r === 3) out.push(rng.pick(OTHER_RTL));
    else if (r === 4) out.push(rng.pick(WORDS));
    else if (r === 5) out.push(pickChars(rng, ARABIC_DIGITS, rng.between(1, 4)));
    else out.push(rng.pick(BIDI) + rng.pick([...ARABIC, ...HEBREW]) + rng.pick(BIDI));
  }
  if (!out.some((p) => /[a-z]/.test(p))) out.splice(rng.int(out.length + 1), 0, rng.pick(WORDS));
  return out.join(' ');
}

const ASCII_PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const UNICODE_PUNCT = '“”‘’«»‹›—–…¡¿‽、。，！？・‰†‡§¶【】「」《》〈〉‐‑‒―‖′″〃';
const UNICODE_SYMBOLS = '€£¥©®™°±µ×÷¬¦←→↑↓∑∞√≠≤≥';

function punctuationText(rng: ScenarioRng): string {
  const n = rng.between(3, 18);
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = rng.int(10);
    out += r < 5 ? rng.pick([...ASCII_PUNCT]) : r < 9 ? rng.pick([...UNICODE_PUNCT]) : rng.pick([...UNICODE_SYMBOLS]);
    if (rng.int(4) === 0) out += ' ';
  }
  return out.trim().length > 0 && /[!-/:-@[-`{-~]|\p{P}/u.test(out) ? out : '?!...';
}

const SPACES = [' ', '  ', '\t', '\n', '\r\n', '\n\n', '\u00a0', '\u2003', '\u3000', '\u2028', '\u2029', '\u000b', '\u000c', '\u1680', '\u202f', '\u205f', '\u0085'];

/** Characters Unicode calls White_Space that are control characters (Cc) or separators outside Zs. */
const RARE_SPACES = ['\u0085', '\u000b', '\u000c', '\u2028', '\u2029', '\u1680', '\u3000', '\u00a0', '\u202f'];

/** Runs of mixed whitespace around words; every other text has words parted by one rare whitespace character alone. */
function whitespaceText(rng: ScenarioRng): string {
  const run = () => Array.from({ length: rng.between(1, 4) }, () => rng.pick(SPACES)).join('');
  const words = pickWords(rng, 2, 5);
  if (rng.int(2) === 0) return words.map((w, i) => (i === 0 ? w : rng.pick(RARE_SPACES) + w)).join('');
  return run() + words.join(run()) + run();
}

/** A long word from letters and the generated vocabulary's syllables: `chars` characters, no boundary inside. */
export function longWord(rng: ScenarioRng, chars: number): string {
  const pieces = ['ba', 'ke', 'ri', 'so', 'tu', 'ing', 'tion', 'ness', 'data', 'model', 'q', 'x', 'z', 'w'];
  let w = '';
  while (w.length < chars) w += rng.int(3) === 0 ? String.fromCharCode(97 + rng.int(26)) : rng.pick(pieces);
  return w.slice(0, chars);
}

function longWordsText(rng: ScenarioRng): string {
  const r = rng.int(4);
  if (r === 0) return 'Donaudampfschifffahrtsgesellschaftskapitaen ' + longWord(rng, rng.between(40, 90));
  if (r === 1) return `${rng.pick(WORDS)} ${longWord(rng, rng.between(100, 160))}`;
  return Array.from({ length: rng.between(1, 3) }, () => longWord(rng, rng.between(25, 70))).join(' ');
}

/** The single-text categories and their generators. */
export const SINGLE_GENERATORS = {
  ascii: asciiText,
  'accents-nfc': accentedText,
  'accents-nfd': (rng: ScenarioRng) => accentedText(rng).normalize('NFD'),
  cjk: cjkText,
  emoji: emojiText,
  combining: combiningText,
  rtl: rtlText,
  punctuation: punctuationText,
  whitespace: whitespaceText,
  'long-words': longWordsText,
} as const;
