/**
 * A minimal, character-by-character XML 1.0 well-formedness checker for tests (no regex over the document):
 * one root element, balanced and properly nested tags, quoted attributes without duplicates, no raw "<" or "&"
 * outside markup except valid entity references, no forbidden control characters. Returns the element tree.
 */
export interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

const NAME_START = (c: string) => /[A-Za-z_:]/.test(c);
const NAME_CHAR = (c: string) => /[A-Za-z0-9_:.-]/.test(c);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlError extends Error {}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new XmlError(`${msg} at offset ${i} (line ${line}): ${JSON.stringify(src.slice(Math.max(0, i - 30), i + 30))}`);
  };
  for (let k = 0; k < src.length; k++) {
    const code = src.charCodeAt(k);
    if (code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) { i = k; fail(`forbidden control character U+${code.toString(16).padStart(4, '0')}`); }
  }
  const skipWs = () => { while (i < src.length && ' \t\r\n'.includes(src[i])) i++; };
  const readName = () => {
    if (!NAME_START(src[i] ?? '')) fail('expected a name');
    const s = i;
    while (i < src.length && NAME_CHAR(src[i])) i++;
    return src.slice(s, i);
  };
  const decode = (raw: string) => {
    let out = '';
    for (let k = 0; k < raw.length; k++) {
      const c = raw[k];
      if (c === '<') { i = k; fail('raw "<" in text or attribute'); }
      if (c !== '&') { out += c; continue; }
      const end = raw.indexOf(';', k);
      if (end < 0) fail('unterminated entity');
      const ent = raw.slice(k + 1, end);
      if (ENTITIES[ent] !== undefined) out += ENTITIES[ent];
      else if (/^#\d+$/.test(ent)) out += String.fromCodePoint(Number(ent.slice(1)));
      else if (/^#x[0-9a-fA-F]+$/.test(ent)) out += String.fromCodePoint(parseInt(ent.slice(2), 16));
      else fail(`unknown entity &${ent};`);
      k = end;
    }
    return out;
  };
  const skipMisc = () => {
    for (;;) {
      skipWs();
      if (src.startsWith('<?', i)) { const e = src.indexOf('?>', i); if (e < 0) fail('unterminated <?'); i = e + 2; continue; }
      if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
      return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected "<"');
    i++;
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      skipWs();
      if (src.startsWith('/>', i)) { i += 2; return el; }
      if (src[i] === '>') { i++; break; }
      const attr = readName();
      skipWs();
      if (src[i] !== '=') fail(`attribute ${attr} without "="`);
      i++;
      skipWs();
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`attribute ${attr} not quoted`);
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail('unterminated attribute');
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      const raw = src.slice(i + 1, end);
      el.attrs[attr] = decode(raw);
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`element <${el.name}> not closed`);
      el.text += decode(src.slice(i, lt));
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const name = readName();
        if (name !== el.name) fail(`</${name}> closes <${el.name}>`);
        skipWs();
        if (src[i] !== '>') fail('expected ">"');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) { const e = src.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
      if (src.startsWith('<![CDATA[', i)) { const e = src.indexOf(']]>', i); if (e < 0) fail('unterminated CDATA'); el.text += src.slice(i + 9, e); i = e + 3; continue; }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Every element named `name` in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => { if (e.name === name) out.push(e); e.children.forEach(walk); };
  walk(root);
  return out;
}
