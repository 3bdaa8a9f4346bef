/** The OpenSim gateway's parsing modules: md5 for the login, XML-RPC and LLSD answers, the grid allowlist, terrain stitching. */
import { describe, expect, it } from 'vitest';
import { checkGridUrl, GridAllowlist } from '../../edge/grid/allowlist';
import { GridError } from '../../edge/grid/errors';
import { decodeLlsd, encodeLlsd } from '../../edge/grid/llsd';
import { loginCall, startLocation } from '../../edge/grid/login';
import { md5Hex } from '../../edge/grid/md5';
import { avatarName, faceColors } from '../../edge/grid/scene';
import { GridTerrain } from '../../edge/grid/terrain';
import { parseXml } from '../../edge/grid/xml';
import { decodeMethodResponse } from '../../edge/grid/xmlrpc';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof GridError) return err.code;
    throw err;
  }
  return 'no error';
};

describe('login encoding', () => {
  it('hashes the password as OpenSim expects and sends only the hash', () => {
    expect(md5Hex('password')).toBe('5f4dcc3b5aa765d61d8327deb882cf99');
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('ü'.repeat(40))).toHaveLength(32);
    const xml = loginCall({
      loginUri: new URL('http://127.0.0.1:9000/'),
      first: 'A',
      last: 'B',
      password: 'secret <&>',
      region: 'R&D',
    });
    expect(xml).toContain(`$1$${md5Hex('secret <&>')}`);
    expect(xml).not.toContain('secret');
    expect(xml).toContain('uri:R&amp;D&amp;128&amp;128&amp;30');
  });

  it("starts at a link's place in the named region, the last location without one", () => {
    expect(startLocation('StormTest', [60.123, 200, 30])).toBe('uri:StormTest&60.12&200&30');
    expect(startLocation('StormTest', [-5, 10, 2])).toBe('uri:StormTest&0&10&2');
    expect(startLocation('StormTest', [9000, 1e6, 20_000])).toBe('uri:StormTest&8192&8192&10000');
    expect(startLocation('StormTest')).toBe('uri:StormTest&128&128&30');
    expect(startLocation('', [1, 2, 3])).toBe('last');
  });
});

describe('XML-RPC and LLSD answers', () => {
  it('decodes structs, arrays, typed and untyped values, and entities', () => {
    const v = decodeMethodResponse(
      '<?xml version="1.0"?><methodResponse><params><param><value><struct>' +
        '<member><name>login</name><value><string>true</string></value></member>' +
        '<member><name>n</name><value><i4>-5</i4></value></member>' +
        '<member><name>plain</name><value>a &amp; b</value></member>' +
        '<member><name>list</name><value><array><data><value><boolean>1</boolean></value></data></array></value></member>' +
        '<member><name>empty</name><value><array><data /></array></value></member>' +
        '</struct></value></param></params></methodResponse>',
      'test',
    );
    expect(v).toEqual({ login: 'true', n: -5, plain: 'a & b', list: [true], empty: [] });
  });

  it('turns faults, malformed XML, DOCTYPEs and oversized documents into grid errors', () => {
    expect(
      codeOf(() =>
        decodeMethodResponse(
          '<methodResponse><fault><value><struct><member><name>faultString</name><value>no</value></member></struct></value></fault></methodResponse>',
          't',
        ),
      ),
    ).toBe('grid_login_refused');
    expect(codeOf(() => parseXml('<a><b></a>', 't'))).toBe('grid_bad_response');
    expect(codeOf(() => parseXml('<!DOCTYPE x [<!ENTITY e "boom">]><a>&e;</a>', 't'))).toBe('grid_bad_response');
    expect(codeOf(() => parseXml(`<a>${'x'.repeat(3 * 1024 * 1024)}</a>`, 't'))).toBe('grid_bad_response');
    expect(codeOf(() => parseXml('<a>'.repeat(100) + '</a>'.repeat(100), 't'))).toBe('grid_bad_response');
  });

  it('round-trips the LLSD the gateway sends and reads capability maps', () => {
    expect(decodeLlsd(encodeLlsd({ ack: null, done: false, n: 3, caps: ['EventQueueGet'] }), 't')).toEqual({
      ack: null,
      done: false,
      n: 3,
      caps: ['EventQueueGet'],
    });
  });
});

describe('grid allowlist', () => {
  it('allows loopback OpenSim ports by default and refuses other hosts, ports, schemes and credentials', () => {
    const allow = GridAllowlist.parse(undefined);
    expect(checkGridUrl('http://127.0.0.1:9000/', allow, 'uri').host).toBe('127.0.0.1:9000');
    expect(checkGridUrl('http://localhost:8002/', allow, 'uri').port).toBe('8002');
    expect(codeOf(() => checkGridUrl('http://127.0.0.1:22/', allow, 'uri'))).toBe('grid_not_allowed');
    expect(codeOf(() => checkGridUrl('http://10.0.0.1:9000/', allow, 'uri'))).toBe('grid_not_allowed');
    expect(codeOf(() => checkGridUrl('http://user:pw@127.0.0.1:9000/', allow, 'uri'))).toBe('grid_bad_request');
    expect(codeOf(() => checkGridUrl('file:///etc/passwd', allow, 'uri'))).toBe('grid_bad_request');
    expect(codeOf(() => checkGridUrl('not a url', allow, 'uri'))).toBe('grid_bad_request');
  });

  it('reads operator rules: networks, exact host names, default ports', () => {
    const allow = GridAllowlist.parse('198.51.100.0/24:9000-9100, login.example.org');
    expect(allow.allowsUrl(new URL('http://198.51.100.7:9050/'))).toBe(true);
    expect(allow.allowsUrl(new URL('https://login.example.org/'))).toBe(true);
    expect(allow.allowsUrl(new URL('https://evil.login.example.org/'))).toBe(false);
    expect(allow.allowsUrl(new URL('http://198.51.101.7:9050/'))).toBe(false);
    expect(codeOf(() => GridAllowlist.parse('10.0.0.0/4:80'))).toBe('grid_bad_request');
  });
});

describe('translation helpers', () => {
  it('reads avatar names from NameValue text and face colours from a TextureEntry', () => {
    expect(avatarName('FirstName STRING RW SV Test\nLastName STRING RW SV User\nTitle STRING RW SV ')).toBe('Test User');
    // Default texture (16 bytes), then the default colour (inverted bytes: 0x00 → 255) and no overrides.
    const te = new Uint8Array(16 + 1 + 4 + 1);
    te.set([0xff, 0x7f, 0x00, 0x80], 17);
    expect(faceColors(te)).toEqual([[0, 128, 255, 127]]);
  });

  it('stitches 16x16 land patches into 17x17 Storm patches that share edges', () => {
    const t = new GridTerrain(32, 32);
    const patch = (x: number, y: number, h: number) => ({ x, y, values: new Float32Array(256).fill(h) });
    // Drive the store directly through its internals' public effect: heights per patch.
    const internal = t as unknown as { patches: Map<number, Float32Array>; dirty: Set<number> };
    for (const p of [patch(0, 0, 1), patch(1, 0, 2), patch(0, 1, 3), patch(1, 1, 4)]) {
      internal.patches.set(p.y * 2 + p.x, p.values);
      internal.dirty.add(p.y * 2 + p.x);
    }
    const frames = t.all();
    expect(frames).toHaveLength(4);
    const first = frames.find((f) => f.x === 0 && f.y === 0);
    expect(first?.size).toBe(17);
    expect(first?.heights[16]).toBe(2); // the east edge comes from the east neighbour
    expect(first?.heights[16 * 17]).toBe(3); // the north edge from the north neighbour
    const last = frames.find((f) => f.x === 16 && f.y === 16);
    expect(last?.heights[16 * 17 + 16]).toBe(4); // past the region edge: our own samples repeat
    expect(t.sample(40, 40)).toBe(4);
  });
});
