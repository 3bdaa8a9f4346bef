/**
 * A top-down map of the region: prims as dots, people as rings, you in yellow (small in the HUD, large without
 * WebGPU). On a grid it spans the regions shown (the one you are in and its neighbours), each outlined and named.
 */
import { createEffect } from 'solid-js';
import type { PersonView } from '../../world/world-snapshot';
import { type MinimapRegion, minimapWindow } from '../minimap-window';

export function Minimap(props: {
  size: [number, number];
  points: number[];
  people: PersonView[];
  self: PersonView | null;
  /** Where the region you are in lies in the session frame (grid sessions; default 0, 0). */
  origin?: [number, number];
  /** The regions shown (grid sessions), the one you are in among them. */
  regions?: MinimapRegion[];
  /** The region you are in (its outline is brighter). */
  current?: string;
  /** Canvas side in CSS pixels (default 140). */
  pixels?: number;
  class?: string;
}) {
  let canvas: HTMLCanvasElement | undefined;
  createEffect(() => {
    // A CPU canvas: a GPU-backed one makes every redraw wait for the GPU process, which a software GPU keeps busy
    // with the 3D view for hundreds of ms at a time, and the page's main thread (input, UI, the session) waits with it.
    const ctx = canvas?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    const SIZE = props.pixels ?? 140;
    const regions = props.regions ?? [];
    const [x0, y0, x1, y1] = minimapWindow(props.size, props.origin ?? [0, 0], regions);
    const s = SIZE / Math.max(1, x1 - x0, y1 - y0);
    // Centred when the window is not square (two regions side by side).
    const offX = (SIZE - (x1 - x0) * s) / 2;
    const offY = (SIZE - (y1 - y0) * s) / 2;
    const X = (x: number) => offX + (x - x0) * s;
    const Y = (y: number) => SIZE - offY - (y - y0) * s;
    ctx.fillStyle = 'rgba(12, 24, 40, 0.85)';
    ctx.fillRect(0, 0, SIZE, SIZE);
    const land = regions.length > 0 ? regions : [{ name: '', origin: props.origin ?? [0, 0], size: props.size }];
    for (const g of land) {
      ctx.fillStyle = 'rgba(20, 60, 30, 0.9)';
      ctx.fillRect(X(g.origin[0]), Y(g.origin[1] + g.size[1]), g.size[0] * s, g.size[1] * s);
    }
    ctx.fillStyle = '#c9d3de';
    const pts = props.points;
    for (let i = 0; i + 1 < pts.length; i += 2) ctx.fillRect(X(pts[i] ?? 0) - 1, Y(pts[i + 1] ?? 0) - 1, 2, 2);
    for (const g of regions) {
      const here = g.name === props.current;
      ctx.strokeStyle = here ? 'rgba(255, 255, 255, 0.8)' : 'rgba(255, 255, 255, 0.35)';
      ctx.lineWidth = 1;
      ctx.strokeRect(X(g.origin[0]) + 0.5, Y(g.origin[1] + g.size[1]) + 0.5, g.size[0] * s - 1, g.size[1] * s - 1);
      ctx.fillStyle = here ? '#ffffff' : '#b8c4d0';
      ctx.font = `${SIZE > 200 ? 13 : 10}px system-ui, sans-serif`;
      ctx.fillText(g.name, X(g.origin[0]) + 3, Y(g.origin[1] + g.size[1]) + (SIZE > 200 ? 15 : 11));
    }
    for (const p of props.people) {
      ctx.strokeStyle = p.self ? '#ffd54a' : '#7fd0ff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(X(p.position[0]), Y(p.position[1]), p.self ? 4 : 3, 0, Math.PI * 2);
      ctx.stroke();
      if (SIZE > 200) {
        ctx.fillStyle = '#eef3fa';
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(p.name, X(p.position[0]) + 6, Y(p.position[1]) - 6);
      }
    }
  });
  return (
    <canvas
      ref={canvas}
      class={props.class ?? 'sc-minimap'}
      width={props.pixels ?? 140}
      height={props.pixels ?? 140}
      data-testid={props.class ? 'map-2d' : 'minimap'}
      data-regions={(props.regions ?? []).map((r) => r.name).join(',')}
      aria-label="Map of the region"
    />
  );
}
