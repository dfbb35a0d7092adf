/**
 * A small HTML tag scanner for tests: walks the document character by character, yields every start tag with its
 * attributes, and treats <script>/<style> contents as raw text (returned separately), as browsers do.
 */
export interface Tag { name: string; attrs: Record<string, string>; start: number }
export interface RawBlock { tag: Tag; content: string }

export function scanHtml(html: string): { tags: Tag[]; raw: RawBlock[]; textOutsideRaw: string } {
  const tags: Tag[] = [];
  const raw: RawBlock[] = [];
  let outside = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) { outside += html.slice(i); break; }
    outside += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) { const e = html.indexOf('-->', lt + 4); i = e < 0 ? html.length : e + 3; continue; }
    if (html[lt + 1] === '/' || html[lt + 1] === '!') { const e = html.indexOf('>', lt); outside += html.slice(lt, e + 1); i = e + 1; continue; }
    let j = lt + 1;
    let name = '';
    while (j < html.length && /[A-Za-z0-9-]/.test(html[j])) name += html[j++];
    if (!name) { outside += '<'; i = lt + 1; continue; }
    const attrs: Record<string, string> = {};
    for (;;) {
      while (/\s/.test(html[j] ?? '')) j++;
      if (html[j] === '>' || j >= html.length) { j++; break; }
      if (html.startsWith('/>', j)) { j += 2; break; }
      let an = '';
      while (j < html.length && !/[\s=>/]/.test(html[j])) an += html[j++];
      while (/\s/.test(html[j] ?? '')) j++;
      let value = '';
      if (html[j] === '=') {
        j++;
        while (/\s/.test(html[j] ?? '')) j++;
        const q = html[j];
        if (q === '"' || q === "'") { const e = html.indexOf(q, j + 1); value = html.slice(j + 1, e); j = e + 1; }
        else { while (j < html.length && !/[\s>]/.test(html[j])) value += html[j++]; }
      }
      if (an === '/') continue;
      attrs[an.toLowerCase()] = value;
    }
    const tag: Tag = { name: name.toLowerCase(), attrs, start: lt };
    tags.push(tag);
    outside += html.slice(lt, j);
    i = j;
    if (tag.name === 'script' || tag.name === 'style') {
      const close = html.toLowerCase().indexOf(`</${tag.name}`, i);
      const end = close < 0 ? html.length : close;
      raw.push({ tag, content: html.slice(i, end) });
      i = end;
    }
  }
  return { tags, raw, textOutsideRaw: outside };
}
