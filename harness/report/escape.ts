/** Escaping shared by the XML and HTML reporters (xml-escape does the five entities). */
import xmlEscape from 'xml-escape';

// Characters XML 1.0 forbids even when escaped (ANSI escapes in a stderr tail are the usual culprits).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Escapes text for an XML/HTML attribute or text node, dropping ANSI colour codes and characters XML cannot carry. */
export function xmlText(value: unknown): string {
  return xmlEscape(String(value ?? '').replace(ANSI, '').replace(INVALID_XML, ''));
}
