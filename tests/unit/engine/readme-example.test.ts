import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExample } from './readme-example';

const here = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('the docs/engine.md example', () => {
  it('is the code of readme-example.ts, character for character', () => {
    const doc = here('../../../docs/engine.md');
    const block = /<!-- example:start -->\n```ts\n([\s\S]*?)```\n<!-- example:end -->/.exec(doc);
    expect(block, 'docs/engine.md has the example between its markers').not.toBeNull();
    expect(block?.[1]).toBe(here('./readme-example.ts'));
  });

  it('runs: moves, destroys the dead at the sync point, and reports the cured', () => {
    const r = runExample();
    // 19 of the 99 poisoned entities had hp 0 and were destroyed; the other 80 were cured.
    expect(r.alive).toBe(81);
    expect(r.cured).toBe(80);
    expect(r.firstX).toBeCloseTo(2 / 60);
    expect(r.seenByView).toBeCloseTo(2 / 60);
  });
});
