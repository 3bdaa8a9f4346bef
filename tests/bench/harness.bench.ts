/** Harness self-check suite: a typed-array sum against a plain-array sum, so `npm run bench` always has a peer pair. */
import { caseNamed, measure, writeReport } from './report';

const N = 1_000_000;
const typed = new Float32Array(N).map((_, i) => i % 97);
const plain = Array.from(typed);
let sink = 0;

const cases = await measure([
  {
    name: 'sum_1m_float32array',
    fn: () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += typed[i] ?? 0;
      sink += s;
    },
  },
  {
    name: 'sum_1m_plain_array',
    fn: () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += plain[i] ?? 0;
      sink += s;
    },
  },
]);
writeReport({
  suite: 'harness',
  cases,
  ratios: {
    plain_over_typed: caseNamed(cases, 'sum_1m_plain_array').median_ms / caseNamed(cases, 'sum_1m_float32array').median_ms,
  },
  ms: {},
  extra: { sink },
});
