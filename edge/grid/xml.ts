/** A small XML reader for XML-RPC and LLSD answers: elements and text only, with size and depth limits. */
import { GridError } from './errors';

/** An element: its name, child elements and concatenated text. Attributes are read past, not kept. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** Largest XML document read (bytes of text). A login answer with a large inventory skeleton is ~100 KiB. */
export const MAX_XML_CHARS = 2 * 1024 * 1024;
/** Deepest element nesting read. */
export const MAX_XML_DEPTH = 64;
/** Most elements in one document. */
export const MAX_XML_ELEMENTS = 200_000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Replaces XML character and entity references. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/g, (_, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Math.min(0x10ffff, Number.parseInt(ref.slice(2), 16)));
    if (ref.startsWith('#')) return String.fromCodePoint(Math.min(0x10ffff, Number.parseInt(ref.slice(1), 10)));
    return ENTITIES[ref] ?? '';
  });
}

/** Escapes text for an XML element. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Parses a document into its root element; throws `grid_bad_response` naming `what` when it is not well formed. */
export function parseXml(source: string, what: string): XmlElement {
  const bad = (why: string) => new GridError('grid_bad_response', `${what} is not well-formed XML (${why})`);
  if (source.length > MAX_XML_CHARS) throw bad(`longer than ${MAX_XML_CHARS} characters`);
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let count = 0;
  let pos = 0;
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const top = stack[stack.length - 1] ?? root;
    if (lt < 0 || lt > pos) {
      const end = lt < 0 ? source.length : lt;
      if (stack.length > 1) top.text += unescapeXml(source.slice(pos, end));
      else if (source.slice(pos, end).trim() !== '') throw bad('text outside the root element');
      pos = end;
      continue;
    }
    if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos);
      if (end < 0) throw bad('an unterminated declaration');
      pos = end + 2;
      continue;
    }
    if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos);
      if (end < 0) throw bad('an unterminated comment');
      pos = end + 3;
      continue;
    }
    if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos);
      if (end < 0) throw bad('an unterminated CDATA section');
      top.text += source.slice(pos + 9, end);
      pos = end + 3;
      continue;
    }
    if (source.startsWith('<!', pos)) throw bad('a DOCTYPE or other declaration');
    tag.lastIndex = pos;
    const m = tag.exec(source);
    if (!m) throw bad(`a malformed tag at offset ${pos}`);
    pos = tag.lastIndex;
    const [, closing, name = '', , selfClosing] = m;
    if (closing) {
      if (top.name !== name || stack.length === 1) throw bad(`</${name}> does not close <${top.name}>`);
      stack.pop();
      continue;
    }
    if (++count > MAX_XML_ELEMENTS) throw bad(`more than ${MAX_XML_ELEMENTS} elements`);
    if (stack.length === 1 && root.children.length > 0) throw bad('more than one root element');
    const el: XmlElement = { name, children: [], text: '' };
    top.children.push(el);
    if (!selfClosing) {
      if (stack.length > MAX_XML_DEPTH) throw bad(`nesting deeper than ${MAX_XML_DEPTH}`);
      stack.push(el);
    }
  }
  if (stack.length !== 1) throw bad(`<${stack[stack.length - 1]?.name}> is not closed`);
  const first = root.children[0];
  if (!first) throw bad('no root element');
  return first;
}

/** The first child named `name`, or undefined. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
