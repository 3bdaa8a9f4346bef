/** LLSD XML (capabilities, event queue): encode the few shapes we send, decode answers to plain data. */
import { GridError } from './errors';
import { escapeXml, parseXml, type XmlElement } from './xml';

/** An LLSD value as JavaScript data (binary and dates stay text; undef is null). */
export type LlsdValue = null | boolean | number | string | LlsdValue[] | { [key: string]: LlsdValue };

/** Encodes a value to LLSD XML. */
export function encodeLlsd(value: LlsdValue): string {
  const enc = (v: LlsdValue): string => {
    if (v === null) return '<undef />';
    if (typeof v === 'boolean') return `<boolean>${v ? 'true' : 'false'}</boolean>`;
    if (typeof v === 'number') return Number.isInteger(v) ? `<integer>${v}</integer>` : `<real>${v}</real>`;
    if (typeof v === 'string') return `<string>${escapeXml(v)}</string>`;
    if (Array.isArray(v)) return `<array>${v.map(enc).join('')}</array>`;
    return `<map>${Object.entries(v)
      .map(([k, x]) => `<key>${escapeXml(k)}</key>${enc(x)}`)
      .join('')}</map>`;
  };
  return `<?xml version="1.0" encoding="UTF-8"?><llsd>${enc(value)}</llsd>`;
}

function decode(el: XmlElement): LlsdValue {
  switch (el.name) {
    case 'undef':
      return null;
    case 'boolean':
      return el.text.trim() === '1' || el.text.trim().toLowerCase() === 'true';
    case 'integer':
    case 'real': {
      const n = Number(el.text.trim() || '0');
      return Number.isFinite(n) ? n : 0;
    }
    case 'array':
      return el.children.map(decode);
    case 'map': {
      const out: { [key: string]: LlsdValue } = {};
      for (let i = 0; i + 1 < el.children.length; i += 2) {
        const k = el.children[i];
        const v = el.children[i + 1];
        if (k?.name === 'key' && v) out[k.text] = decode(v);
      }
      return out;
    }
    default:
      return el.text;
  }
}

/** Decodes an LLSD XML document; throws `grid_bad_response` naming `what` otherwise. */
export function decodeLlsd(xml: string, what: string): LlsdValue {
  const root = parseXml(xml, what);
  if (root.name !== 'llsd') throw new GridError('grid_bad_response', `${what} is not LLSD XML`);
  const first = root.children[0];
  return first ? decode(first) : null;
}
