/**
 * captureInput in Node: `window` and the surface are plain EventTargets (the events carry what the code reads), so
 * the sampling is tested without a browser.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureInput, type InputIntent } from '../../../../web/ui/input';

const g = globalThis as Record<string, unknown>;
const key = (type: 'keydown' | 'keyup', code: string) => Object.assign(new Event(type), { code, repeat: false });

describe('captureInput', () => {
  let surface: EventTarget & { clientWidth: number; clientHeight: number; setPointerCapture(): void };
  beforeEach(() => {
    vi.useFakeTimers();
    g.window = new EventTarget();
    g.HTMLInputElement = class {};
    g.HTMLTextAreaElement = class {};
    surface = Object.assign(new EventTarget(), { clientWidth: 800, clientHeight: 600, setPointerCapture() {} });
  });
  afterEach(() => {
    vi.useRealTimers();
    delete g.window;
    delete g.HTMLInputElement;
    delete g.HTMLTextAreaElement;
  });

  it('sends at once when a key changes where you go (press, release, run), not at the next sample', () => {
    const sent: InputIntent[] = [];
    const stop = captureInput(surface as unknown as HTMLElement, (i) => sent.push(i), 30);
    const w = g.window as EventTarget;
    w.dispatchEvent(key('keydown', 'KeyW'));
    expect(sent.map((i) => i.move)).toEqual([[1, 0, 0]]);
    // Held (key repeat) changes nothing: no extra send until the sampler's turn.
    w.dispatchEvent(key('keydown', 'KeyW'));
    expect(sent).toHaveLength(1);
    w.dispatchEvent(key('keydown', 'ShiftLeft'));
    expect(sent.at(-1)).toMatchObject({ move: [1, 0, 0], run: true });
    w.dispatchEvent(key('keyup', 'ShiftLeft'));
    w.dispatchEvent(key('keyup', 'KeyW'));
    expect(sent.at(-1)).toMatchObject({ move: [0, 0, 0], run: false });
    expect(sent).toHaveLength(4);
    // A key that moves nothing (chat letters reach window too) sends nothing extra.
    w.dispatchEvent(key('keydown', 'KeyZ'));
    expect(sent).toHaveLength(4);
    // The steady samples go on at the rate given.
    vi.advanceTimersByTime(1000);
    expect(sent.length).toBeGreaterThanOrEqual(4 + 29);
    stop();
  });
});
