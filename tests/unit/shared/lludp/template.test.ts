/** The template parser reads message_template.msg fully, and the generated modules match it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getMessageRegistry, LludpError, parseTemplate } from '../../../../shared/lludp';
import { renderGeneratedSources } from '../../../../shared/lludp/render-generated-sources';

const dir = new URL('../../../../shared/lludp/', import.meta.url);
const text = readFileSync(new URL('data/message_template.msg', dir), 'utf8');

describe('message template', () => {
  it('parses all 483 messages: 32 High, 17 Medium, 431 Low, 3 Fixed', () => {
    const messages = parseTemplate(text);
    const count = (f: string) => messages.filter((m) => m.frequency === f).length;
    expect([messages.length, count('High'), count('Medium'), count('Low'), count('Fixed')]).toEqual([483, 32, 17, 431, 3]);
  });

  it('reads frequency, number, trust, encoding, deprecation, block kinds and field sizes', () => {
    const r = getMessageRegistry();
    expect(r.byName.get('PacketAck')).toMatchObject({ frequency: 'Fixed', number: 0xfffffffb, id: 0xfffffffb, trusted: false });
    expect(r.byName.get('ObjectUpdate')).toMatchObject({ frequency: 'High', number: 12, trusted: true, zerocoded: true });
    expect(r.byName.get('ObjectPosition')?.deprecation).toBe('Deprecated');
    expect(r.byName.get('OpenCircuit')?.deprecation).toBe('UDPBlackListed');
    expect(r.byName.get('TestMessage')?.blocks[1]).toMatchObject({ name: 'NeighborBlock', kind: 'Multiple', count: 4 });
    const data = r.byName.get('ObjectUpdate')?.blocks[1]?.fields;
    expect(data?.find((f) => f.name === 'TextureEntry')).toEqual({ name: 'TextureEntry', type: 'Variable', size: 2 });
    expect(data?.find((f) => f.name === 'TextColor')).toEqual({ name: 'TextColor', type: 'Fixed', size: 4 });
    expect(r.byId.get(0xffff0003)?.name).toBe('UseCircuitCode');
    expect(r.byId.get(0xff03)?.name).toBe('RequestMultipleObjects');
  });

  it('names the message and token when the grammar is broken', () => {
    const broken = '{ Foo High 1 NotTrusted Unencoded { Blk Single { Fld U7 } } }';
    expect(() => parseTemplate(broken)).toThrowError(LludpError);
    expect(() => parseTemplate(broken)).toThrowError(/template: Foo\.Blk\.Fld: unknown field type/);
    expect(() => parseTemplate('{ Foo High 1 NotTrusted Unencoded } { Foo High 2 NotTrusted Unencoded }')).toThrowError(
      /repeats/,
    );
    expect(() => parseTemplate('{ Foo High 1 NotTrusted Unencoded { Blk Single')).toThrowError(/end of template/);
  });

  it('the generated template-source.ts and message-types.ts are up to date with data/message_template.msg', () => {
    for (const [file, source] of Object.entries(renderGeneratedSources(text))) {
      expect(readFileSync(new URL(file, dir), 'utf8'), `${file} is stale: run "npx tsx scripts/lludp.ts generate"`).toBe(source);
    }
  });

  it('parses the embedded template without a pathological slowdown (under 2 s even on a busy machine)', () => {
    const t0 = performance.now();
    parseTemplate(text);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
