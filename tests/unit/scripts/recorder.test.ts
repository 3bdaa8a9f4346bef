/**
 * The recorders' shared harness (tests/support/recorder.ts), the parts that shape what lands in a corpus: per-second
 * counts, numbers kept to 5 significant digits, and where a recording is written (RECORD_OUT for a trial run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compactLine, countInSecond, recordingDir, type SecondCounts, writeJsonl } from '../../support/recorder';

describe('the recorder harness', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('counts a source from its first second, with silent seconds as zeros', () => {
    const c: SecondCounts = { from: -1, events: [], bytes: [] };
    countInSecond(c, 4, 100);
    countInSecond(c, 4, 20);
    countInSecond(c, 7, 5, 3);
    expect(c).toEqual({ from: 4, events: [2, 0, 0, 3], bytes: [120, 0, 0, 5] });
  });

  it('keeps 5 significant digits of fractions but whole numbers and timestamps as they are', () => {
    const line = compactLine({
      timestamp_ms: 123456.789,
      frame_ms_p50: 16.6666666,
      entities: 1234567,
      nested: { x: [0.123456789] },
    });
    expect(JSON.parse(line)).toEqual({
      timestamp_ms: 123456.789,
      frame_ms_p50: 16.667,
      entities: 1234567,
      nested: { x: [0.12346] },
    });
  });

  it('writes to the corpus folder, or to RECORD_OUT for a trial run', () => {
    expect(recordingDir('plugin-traffic')).toMatch(/tests\/support\/fixtures\/plugin-traffic\/$/);
    const dir = mkdtempSync(join(tmpdir(), 'storm-record-'));
    try {
      vi.stubEnv('RECORD_OUT', dir);
      expect(recordingDir('plugin-traffic')).toBe(dir);
      const path = writeJsonl(join(dir, 'train'), 'a.jsonl', ['{"a":1}', '{"a":2}']);
      expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
