/** Parser for Linden Lab's message_template.msg (version 2.0): messages, blocks and fields as plain tables. */
import { LludpError } from './errors';

/** How often a message is sent; decides the width of its id on the wire. */
export type Frequency = 'High' | 'Medium' | 'Low' | 'Fixed';

/** Field types of the template. `Fixed` has a byte size; `Variable` a 1- or 2-byte length prefix. */
export type FieldType =
  | 'U8'
  | 'U16'
  | 'U32'
  | 'U64'
  | 'S8'
  | 'S16'
  | 'S32'
  | 'S64'
  | 'F32'
  | 'F64'
  | 'LLVector3'
  | 'LLVector3d'
  | 'LLVector4'
  | 'LLQuaternion'
  | 'LLUUID'
  | 'BOOL'
  | 'IPADDR'
  | 'IPPORT'
  | 'Fixed'
  | 'Variable';

/** One field of a block. `size` is the byte size for fixed-size types, the prefix width (1 or 2) for `Variable`. */
export interface FieldTemplate {
  readonly name: string;
  readonly type: FieldType;
  readonly size: number;
}

/** One block: `Single` (once), `Multiple` (exactly `count` times, no count byte) or `Variable` (a count byte, 0..255). */
export interface BlockTemplate {
  readonly name: string;
  readonly kind: 'Single' | 'Multiple' | 'Variable';
  readonly count: number;
  readonly fields: readonly FieldTemplate[];
}

/** One message of the template. `id` is the 32-bit key (High n, Medium 0xFF00|n, Low 0xFFFF0000|n, Fixed as written). */
export interface MessageTemplate {
  readonly name: string;
  readonly frequency: Frequency;
  readonly number: number;
  readonly id: number;
  readonly trusted: boolean;
  readonly zerocoded: boolean;
  /** `Deprecated`, `UDPDeprecated` or `UDPBlackListed` when the template marks the message so. */
  readonly deprecation: 'Deprecated' | 'UDPDeprecated' | 'UDPBlackListed' | null;
  readonly blocks: readonly BlockTemplate[];
}

const FIXED_SIZES: Readonly<Record<string, number>> = {
  U8: 1,
  U16: 2,
  U32: 4,
  U64: 8,
  S8: 1,
  S16: 2,
  S32: 4,
  S64: 8,
  F32: 4,
  F64: 8,
  LLVector3: 12,
  LLVector3d: 24,
  LLVector4: 16,
  LLQuaternion: 12,
  LLUUID: 16,
  BOOL: 1,
  IPADDR: 4,
  IPPORT: 2,
};

const FREQUENCIES: readonly string[] = ['High', 'Medium', 'Low', 'Fixed'];
const DEPRECATIONS: readonly string[] = ['Deprecated', 'UDPDeprecated', 'UDPBlackListed'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits template text into tokens: braces and words, with `//` comments dropped. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const rawLine of text.split('\n')) {
    const cut = rawLine.indexOf('//');
    const line = cut >= 0 ? rawLine.slice(0, cut) : rawLine;
    for (const word of line.replaceAll('{', ' { ').replaceAll('}', ' } ').split(/\s+/)) if (word) tokens.push(word);
  }
  return tokens;
}

/** Computes the 32-bit id key of a message from its frequency and template number. */
export function messageIdKey(frequency: Frequency, number: number): number {
  switch (frequency) {
    case 'High':
      return number;
    case 'Medium':
      return 0xff00 | number;
    case 'Low':
      return (0xffff0000 | number) >>> 0;
    case 'Fixed':
      return number >>> 0;
  }
}

/**
 * Parses message_template.msg text into message tables. Throws {@link LludpError} (`lludp_template`) naming the
 * message and the token when the text does not follow the template grammar, or when a name or id repeats.
 */
export function parseTemplate(text: string): MessageTemplate[] {
  const tokens = tokenize(text);
  let at = 0;
  const fail = (where: string, what: string): never => {
    throw new LludpError('lludp_template', `template: ${where}: ${what} (token ${at}: ${JSON.stringify(tokens[at] ?? 'end')})`);
  };
  const next = (where: string): string => {
    const t = tokens[at];
    if (t === undefined) return fail(where, 'unexpected end of template');
    at++;
    return t;
  };
  const expect = (where: string, token: string): void => {
    if (next(where) !== token) {
      at--;
      fail(where, `expected ${token}`);
    }
  };
  const integer = (where: string): number => {
    const t = next(where);
    const n = /^0x[0-9a-fA-F]+$/.test(t)
      ? Number.parseInt(t.slice(2), 16)
      : /^[0-9]+$/.test(t)
        ? Number.parseInt(t, 10)
        : Number.NaN;
    if (!Number.isSafeInteger(n)) fail(where, 'expected a number');
    return n;
  };
  const name = (where: string): string => {
    const t = next(where);
    if (!NAME.test(t)) fail(where, 'expected a name');
    return t;
  };

  if (tokens[at] === 'version') {
    at++;
    const v = next('version');
    if (v !== '2.0') fail('version', 'only template version 2.0 is understood');
  }
  const messages: MessageTemplate[] = [];
  const byName = new Set<string>();
  const byId = new Set<number>();
  while (at < tokens.length) {
    expect('message', '{');
    const msgName = name('message');
    const frequency = next(msgName);
    if (!FREQUENCIES.includes(frequency)) fail(msgName, 'expected High, Medium, Low or Fixed');
    const freq = frequency as Frequency;
    const number = integer(msgName);
    const limit = freq === 'High' ? 0xfe : freq === 'Medium' ? 0xfe : freq === 'Low' ? 0xfeff : 0xffffffff;
    if (freq === 'Fixed' ? number < 0xffffff00 || number > limit : number < 1 || number > limit) {
      at--;
      fail(msgName, `message number out of range for ${freq}`);
    }
    const trust = next(msgName);
    if (trust !== 'Trusted' && trust !== 'NotTrusted') fail(msgName, 'expected Trusted or NotTrusted');
    const encoding = next(msgName);
    if (encoding !== 'Zerocoded' && encoding !== 'Unencoded') fail(msgName, 'expected Zerocoded or Unencoded');
    let deprecation: MessageTemplate['deprecation'] = null;
    while (tokens[at] !== undefined && DEPRECATIONS.includes(tokens[at] ?? '')) {
      deprecation = next(msgName) as MessageTemplate['deprecation'];
    }
    const blocks: BlockTemplate[] = [];
    while (tokens[at] === '{') {
      at++;
      const blockName = name(msgName);
      const where = `${msgName}.${blockName}`;
      const kind = next(where);
      let count = 1;
      if (kind === 'Multiple') count = integer(where);
      else if (kind === 'Variable') count = 0;
      else if (kind !== 'Single') fail(where, 'expected Single, Multiple or Variable');
      if (kind === 'Multiple' && (count < 1 || count > 255)) fail(where, 'Multiple count must be 1..255');
      const fields: FieldTemplate[] = [];
      while (tokens[at] === '{') {
        at++;
        const fieldName = name(where);
        const fw = `${where}.${fieldName}`;
        const type = next(fw);
        let size = FIXED_SIZES[type];
        if (type === 'Fixed') {
          size = integer(fw);
          if (size < 1 || size > 4096) fail(fw, 'Fixed size must be 1..4096');
        } else if (type === 'Variable') {
          size = integer(fw);
          if (size !== 1 && size !== 2) fail(fw, 'Variable length prefix must be 1 or 2');
        } else if (size === undefined) {
          at--;
          fail(fw, 'unknown field type');
        }
        if (fields.some((f) => f.name === fieldName)) fail(fw, 'field name repeats');
        fields.push({ name: fieldName, type: type as FieldType, size: size ?? 0 });
        expect(fw, '}');
      }
      if (blocks.some((b) => b.name === blockName)) fail(where, 'block name repeats');
      blocks.push({ name: blockName, kind: kind as BlockTemplate['kind'], count, fields });
      expect(where, '}');
    }
    expect(msgName, '}');
    const id = messageIdKey(freq, number);
    if (byName.has(msgName)) fail(msgName, 'message name repeats');
    if (byId.has(id)) fail(msgName, `message id ${freq} ${number} repeats`);
    byName.add(msgName);
    byId.add(id);
    messages.push({
      name: msgName,
      frequency: freq,
      number,
      id,
      trusted: trust === 'Trusted',
      zerocoded: encoding === 'Zerocoded',
      deprecation,
      blocks,
    });
  }
  return messages;
}
