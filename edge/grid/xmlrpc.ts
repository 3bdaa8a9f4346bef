/** XML-RPC: a method call with one struct parameter, and the answer's value as plain JavaScript data. */
import { GridError } from './errors';
import { child, escapeXml, parseXml, type XmlElement } from './xml';

/** An XML-RPC value as JavaScript data. */
export type XmlRpcValue = string | number | boolean | XmlRpcValue[] | { [key: string]: XmlRpcValue };

/** A parameter to encode: strings, integers, booleans, arrays of strings. */
export type XmlRpcParam = string | number | boolean | readonly string[];

function encodeParam(v: XmlRpcParam): string {
  if (typeof v === 'string') return `<string>${escapeXml(v)}</string>`;
  if (typeof v === 'boolean') return `<boolean>${v ? 1 : 0}</boolean>`;
  if (typeof v === 'number') return Number.isInteger(v) ? `<i4>${v}</i4>` : `<double>${v}</double>`;
  return `<array><data>${v.map((s) => `<value><string>${escapeXml(s)}</string></value>`).join('')}</data></array>`;
}

/** The XML of `method` called with one struct of `members`. */
export function encodeMethodCall(method: string, members: Record<string, XmlRpcParam>): string {
  const body = Object.entries(members)
    .map(([k, v]) => `<member><name>${escapeXml(k)}</name><value>${encodeParam(v)}</value></member>`)
    .join('');
  return `<?xml version="1.0"?><methodCall><methodName>${escapeXml(method)}</methodName><params><param><value><struct>${body}</struct></value></param></params></methodCall>`;
}

function decodeValue(value: XmlElement, what: string): XmlRpcValue {
  const typed = value.children[0];
  if (!typed) return value.text; // an untyped value is a string
  switch (typed.name) {
    case 'string':
      return typed.text;
    case 'i4':
    case 'int':
    case 'i8':
    case 'double': {
      const n = Number(typed.text.trim());
      if (!Number.isFinite(n)) throw new GridError('grid_bad_response', `${what}: "${typed.text.slice(0, 20)}" is not a number`);
      return n;
    }
    case 'boolean':
      return typed.text.trim() === '1' || typed.text.trim().toLowerCase() === 'true';
    case 'array': {
      const data = child(typed, 'data');
      return (data?.children ?? []).filter((c) => c.name === 'value').map((c, i) => decodeValue(c, `${what}[${i}]`));
    }
    case 'struct': {
      const out: { [key: string]: XmlRpcValue } = {};
      for (const m of typed.children) {
        if (m.name !== 'member') continue;
        const name = child(m, 'name')?.text ?? '';
        const v = child(m, 'value');
        if (v) out[name] = decodeValue(v, `${what}.${name}`);
      }
      return out;
    }
    default:
      return typed.text;
  }
}

/** Decodes a methodResponse: its single parameter, or a GridError for a fault. */
export function decodeMethodResponse(xml: string, what: string): XmlRpcValue {
  const root = parseXml(xml, what);
  if (root.name !== 'methodResponse') throw new GridError('grid_bad_response', `${what} is not an XML-RPC methodResponse`);
  const fault = child(root, 'fault');
  if (fault) {
    const v = child(fault, 'value');
    const detail = v ? decodeValue(v, 'fault') : '';
    const text = typeof detail === 'object' && !Array.isArray(detail) ? String(detail.faultString ?? '') : String(detail);
    throw new GridError('grid_login_refused', `${what} is an XML-RPC fault: ${text.slice(0, 200)}`);
  }
  const value = child(child(child(root, 'params') ?? root, 'param') ?? root, 'value');
  if (!value) throw new GridError('grid_bad_response', `${what} has no parameter`);
  return decodeValue(value, what);
}
