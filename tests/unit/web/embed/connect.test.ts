import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planConnect } from '../../../../web/embed/connect';
import { EmbedError } from '../../../../web/embed/errors';

const creds = JSON.stringify({ first: 'Test', last: 'User', password: 'secret' });

function codeOf(f: () => unknown): number | null {
  try {
    f();
    return null;
  } catch (err) {
    return err instanceof EmbedError ? err.numericCode : -999;
  }
}

describe('connectProtocol params (planConnect)', () => {
  it('joins a Finalverse world from a world name or any link form of a Finalverse place', () => {
    expect(planConnect({ protocol: 1, url: 'plaza', creds: '' })).toEqual({
      protocol: 'fv',
      place: { kind: 'fv', world: 'plaza', position: null },
    });
    expect(planConnect({ protocol: 1, url: 'https://viewer.example/#/fv/harbour/10/20/30', creds: '{}' })).toEqual({
      protocol: 'fv',
      place: { kind: 'fv', world: 'harbour', position: [10, 20, 30] },
    });
  });

  it('refuses a Finalverse call with an OpenSim link, a bad name or creds with -41', () => {
    expect(codeOf(() => planConnect({ protocol: 1, url: 'hop://127.0.0.1:9000/StormTest/1/2/3', creds: '' }))).toBe(-41);
    expect(codeOf(() => planConnect({ protocol: 1, url: 'Not A World', creds: '' }))).toBe(-41);
    expect(codeOf(() => planConnect({ protocol: 1, url: 'plaza', creds: creds }))).toBe(-41);
  });

  it('logs into the grid of an OpenSim link at its region and position', () => {
    expect(planConnect({ protocol: 0, url: 'hop://127.0.0.1:9000/StormTest/60/200/25', creds })).toEqual({
      protocol: 'os',
      place: { kind: 'os', grid: '127.0.0.1:9000', region: 'StormTest', position: [60, 200, 25] },
      login: { loginUri: 'http://127.0.0.1:9000/', first: 'Test', last: 'User', password: 'secret', region: 'StormTest' },
    });
  });

  it('logs in with a login URI, at the region the creds name or the grid’s default', () => {
    expect(planConnect({ protocol: 0, url: 'http://127.0.0.1:9000/', creds })).toMatchObject({
      protocol: 'os',
      place: null,
      login: { loginUri: 'http://127.0.0.1:9000/' },
    });
    const withRegion = JSON.stringify({ first: 'Test', last: 'User', password: 'secret', region: 'StormTest' });
    expect(planConnect({ protocol: 0, url: 'http://127.0.0.1:9000/', creds: withRegion })).toMatchObject({
      place: { kind: 'os', grid: '127.0.0.1:9000', region: 'StormTest', position: null },
      login: { region: 'StormTest' },
    });
  });

  it('refuses OpenSim creds that are not the expected JSON, and URLs that are neither a place nor a login URI, with -41', () => {
    for (const bad of ['', 'not json', '{}', '{"first":"a","last":"b"}', '{"first":"a","last":"b","password":"c","extra":1}'])
      expect(codeOf(() => planConnect({ protocol: 0, url: 'http://127.0.0.1:9000/', creds: bad }))).toBe(-41);
    for (const url of [
      'ftp://127.0.0.1/',
      'http://user:pw@127.0.0.1:9000/',
      '#/fv/plaza',
      'secondlife://Region/1/2/3',
      'nothing',
    ])
      expect(codeOf(() => planConnect({ protocol: 0, url, creds }))).toBe(-41);
  });

  it('never throws anything but its own coded error, whatever the host sends', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0 as const, 1 as const),
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        (protocol, url, c) => {
          const code = codeOf(() => planConnect({ protocol, url, creds: c }));
          expect(code === null || code === -41).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
