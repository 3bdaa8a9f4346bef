/** A top-down map of the region: prims as dots, people as rings, you in yellow (small in the HUD, large without WebGPU). */
import { createEffect } from 'solid-js';
import type { PersonView } from '../../world/world-snapshot';

export function Minimap(props: {
  size: [number, number];
  points: number[];
  people: PersonView[];
  self: PersonView | null;
  /** Canvas side in CSS pixels (default 140). */
  pixels?: number;
  class?: string;
}) {
  let canvas: HTMLCanvasElement | undefined;
  createEffect(() => {
    const ctx = canvas?.getContext('2d');
    if (!ctx) return;
    const SIZE = props.pixels ?? 140;
    const [w, h] = props.size;
    const sx = SIZE / Math.max(1, w);
    const sy = SIZE / Math.max(1, h);
    ctx.fillStyle = 'rgba(20, 60, 30, 0.85)';
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.fillStyle = '#c9d3de';
    const pts = props.points;
    for (let i = 0; i + 1 < pts.length; i += 2) ctx.fillRect((pts[i] ?? 0) * sx - 1, SIZE - (pts[i + 1] ?? 0) * sy - 1, 2, 2);
    for (const p of props.people) {
      ctx.strokeStyle = p.self ? '#ffd54a' : '#7fd0ff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(p.position[0] * sx, SIZE - p.position[1] * sy, p.self ? 4 : 3, 0, Math.PI * 2);
      ctx.stroke();
      if (SIZE > 200) {
        ctx.fillStyle = '#eef3fa';
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(p.name, p.position[0] * sx + 6, SIZE - p.position[1] * sy - 6);
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
      aria-label="Map of the region"
    />
  );
}
